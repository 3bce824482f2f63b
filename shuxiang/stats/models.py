"""Records of the operations platform: raw events (server mode), rollups, indicators, monitoring."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

KINDS = ("page_view", "search", "item_view", "download", "play", "login", "registration")
# Access denials (拒绝访问), COUNTER's No_License and Limit_Exceeded: the access policy kept the
# reader out, or a quota or simultaneous-use limit did.
DENIAL_KINDS = {"no_license": "No_License", "limit_exceeded": "Limit_Exceeded"}
KINDS += tuple(DENIAL_KINDS)
CHANNELS = ("web", "mobile", "api")


class Event(models.Model):
    """One raw usage event (server mode only; the embedded default keeps Parquet segments)."""

    ts = models.DateTimeField()
    day = models.DateField(db_index=True)
    hour = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20)
    library = models.CharField(max_length=32)
    resource_type = models.CharField(max_length=40, blank=True)
    channel = models.CharField(max_length=10)
    reader = models.CharField(max_length=32, blank=True)
    item_id = models.CharField(max_length=200, blank=True)
    title = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.day} {self.kind} @ {self.library}"


class DailyRollup(models.Model):
    """Events of one day × library × resource type × channel × kind.

    ``subtree`` False counts the library's own events; True counts it and every library
    below it, so each tier's figure is one indexed lookup.
    """

    day = models.DateField()
    scope = models.CharField(max_length=32)
    subtree = models.BooleanField()
    resource_type = models.CharField(max_length=40, blank=True)
    channel = models.CharField(max_length=10)
    kind = models.CharField(max_length=20)
    events = models.BigIntegerField()
    readers = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(
                fields=["scope", "subtree", "day", "kind", "channel", "resource_type", "events"],
                name="stats_daily_covering",
            ),
            models.Index(fields=["day"], name="stats_daily_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.scope} {self.kind}: {self.events}"


class DailyTotal(models.Model):
    """Events per day × kind in a library's subtree: the compact table dashboards compare."""

    day = models.DateField()
    scope = models.CharField(max_length=32)
    kind = models.CharField(max_length=20)
    events = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["scope", "day", "kind", "events"], name="stats_total_covering"),
            models.Index(fields=["day"], name="stats_total_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.scope} {self.kind}: {self.events}"


class MonthlyTotal(models.Model):
    """Events per calendar month × kind in a library's subtree (``month`` is its first day)."""

    month = models.DateField()
    scope = models.CharField(max_length=32)
    kind = models.CharField(max_length=20)
    events = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["scope", "month", "kind", "events"], name="stats_month_covering")
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.scope} {self.kind}: {self.events}"


class HourlyRollup(models.Model):
    """Events per local hour of one day in a library's subtree (the weekday × hour heatmap)."""

    day = models.DateField()
    hour = models.PositiveSmallIntegerField()
    scope = models.CharField(max_length=32)
    events = models.BigIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["scope", "day", "hour", "events"], name="stats_hourly_covering"),
            models.Index(fields=["day"], name="stats_hourly_day"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.hour}h {self.scope}: {self.events}"


class RollupDay(models.Model):
    """Which state of a day's raw events the stored rollups reflect."""

    day = models.DateField(primary_key=True)
    fingerprint = models.CharField(max_length=64)
    rolled_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.day} {self.fingerprint}"


class TrainingSession(models.Model):
    """A training session held for library staff (培训), counted by the indicators."""

    class Mode(models.TextChoices):
        ONSITE = "onsite", _("on site")
        ONLINE = "online", _("online")

    library = models.ForeignKey(
        "network.Library", on_delete=models.CASCADE, related_name="training_sessions"
    )
    title = models.CharField(_("title"), max_length=200)
    held_on = models.DateField(_("held on"))
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, default=Mode.ONSITE)
    attendees = models.PositiveIntegerField(_("attendees"), default=0)

    class Meta:
        ordering = ["-held_on"]

    def __str__(self) -> str:
        return f"{self.held_on} {self.title}"


class IndicatorWeight(models.Model):
    """The weight of one indicator in the annual assessment (editable by national admins)."""

    code = models.CharField(max_length=40, primary_key=True)
    weight = models.DecimalField(max_digits=6, decimal_places=2)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code}={self.weight}"


class MonitoredPlatform(models.Model):
    """A library's service platform whose availability is checked over HTTP."""

    library = models.ForeignKey("network.Library", on_delete=models.CASCADE, related_name="+")
    name = models.CharField(_("name"), max_length=200)
    url = models.URLField(_("URL"), max_length=500)
    active = models.BooleanField(default=True)
    is_up = models.BooleanField(null=True)
    checked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["library__path", "name"]

    def __str__(self) -> str:
        return self.name


class CheckResult(models.Model):
    """One availability check of a platform."""

    platform = models.ForeignKey(MonitoredPlatform, on_delete=models.CASCADE, related_name="checks")
    at = models.DateTimeField(db_index=True)
    ok = models.BooleanField()
    status = models.PositiveSmallIntegerField(null=True)
    latency_ms = models.PositiveIntegerField(null=True)
    error = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.platform_id} {self.at} {'up' if self.ok else 'down'}"


class Outage(models.Model):
    """A period a platform or node was unavailable (open while ``ended_at`` is null)."""

    library = models.ForeignKey("network.Library", on_delete=models.CASCADE, related_name="+")
    subject = models.CharField(max_length=300)
    started_at = models.DateTimeField(db_index=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    reason = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.subject} from {self.started_at}"


class Heartbeat(models.Model):
    """The latest report of a node: alive, storage used, bandwidth."""

    library = models.OneToOneField(
        "network.Library", on_delete=models.CASCADE, related_name="heartbeat"
    )
    node = models.CharField(max_length=100)
    at = models.DateTimeField()
    storage_bytes = models.BigIntegerField(default=0)
    bandwidth_mbps = models.PositiveIntegerField(default=0)
    version = models.CharField(max_length=40, blank=True)
    # Reported by federated child nodes (federation's /federation/peer/heartbeat).
    queue_lag_seconds = models.PositiveIntegerField(default=0)
    last_harvest = models.DateTimeField(null=True, blank=True)
    errors = models.PositiveIntegerField(default=0, help_text="Failures in the last 24 hours.")
    last_error = models.CharField(max_length=300, blank=True)

    def __str__(self) -> str:
        return f"{self.node} {self.at}"


class AlertRule(models.Model):
    """When to notify whom: a platform down, a node silent, or storage above a threshold."""

    class Condition(models.TextChoices):
        PLATFORM_DOWN = "platform_down", _("platform down")
        HEARTBEAT_MISSING = "heartbeat_missing", _("heartbeat missing")
        STORAGE_ABOVE = "storage_above", _("storage above threshold")
        QUEUE_LAG_ABOVE = "queue_lag_above", _("queue lag above threshold")
        ERRORS_ABOVE = "errors_above", _("node errors above threshold")
        READER_PAUSED = "reader_paused", _("reader paused at the proxy gateway")

    library = models.ForeignKey("network.Library", on_delete=models.CASCADE, related_name="+")
    condition = models.CharField(max_length=20, choices=Condition.choices)
    threshold = models.BigIntegerField(
        default=0, help_text="Bytes, minutes of silence, seconds of queue lag, or errors."
    )
    email = models.EmailField(blank=True)
    webhook = models.URLField(max_length=500, blank=True)
    active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.condition} @ {self.library_id}"


class Alert(models.Model):
    """A notification sent for a rule (one per rule and subject while the condition lasts)."""

    rule = models.ForeignKey(AlertRule, on_delete=models.CASCADE, related_name="alerts")
    subject = models.CharField(max_length=300)
    message = models.TextField()
    raised_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    delivered = models.BooleanField(default=False)

    class Meta:
        ordering = ["-raised_at"]

    def __str__(self) -> str:
        return self.subject


# --- Figures pushed by federated child nodes (see ``shuxiang.stats.remote``) ---


class RemoteDay(models.Model):
    """One day of figures received from a child node, with the digest of what was received."""

    source = models.CharField(max_length=200)
    day = models.DateField()
    digest = models.CharField(max_length=64)
    received_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["source", "day"], name="stats_remoteday_unique")
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.day}"


class RemoteDaily(models.Model):
    """A child node's own figures of one library × day × resource type × channel × kind."""

    source = models.CharField(max_length=200)
    day = models.DateField()
    library = models.CharField(max_length=32)
    resource_type = models.CharField(max_length=40, blank=True)
    channel = models.CharField(max_length=10)
    kind = models.CharField(max_length=20)
    events = models.BigIntegerField()
    readers = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["day", "source"], name="stats_remotedaily_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.library} {self.kind}: {self.events}"


class RemoteHourly(models.Model):
    """A child node's own events of one library per local hour of a day."""

    source = models.CharField(max_length=200)
    day = models.DateField()
    hour = models.PositiveSmallIntegerField()
    library = models.CharField(max_length=32)
    events = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["day", "source"], name="stats_remotehourly_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.hour}h {self.library}: {self.events}"
