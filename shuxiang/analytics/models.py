"""Records of analytics and recommendation (大数据分析): job runs, report cells, recommendations.

Jobs (see ``jobs.py``) write their results here; pages only read these tables.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class JobRun(models.Model):
    """One run of an analytics job on one engine: progress, duration, outcome, attempts."""

    class Status(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    job = models.CharField(max_length=40)
    engine = models.CharField(max_length=10)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    seconds = models.FloatField(null=True, blank=True)
    events = models.BigIntegerField(default=0)
    rows = models.BigIntegerField(default=0)
    attempt = models.PositiveSmallIntegerField(default=1)
    progress = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.job} on {self.engine}: {self.status}"


class ReportCell(models.Model):
    """One raw cell of a behaviour report in a library's subtree (suppressed when shown)."""

    report = models.CharField(max_length=30)
    scope = models.CharField(max_length=32)
    key = models.CharField(max_length=300)
    key2 = models.CharField(max_length=40, blank=True)
    value = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["report", "scope"], name="analytics_cell_report")]

    def __str__(self) -> str:
        return f"{self.report} {self.scope} {self.key}/{self.key2}={self.value}"


class RelatedItem(models.Model):
    """An item related to another: ``session`` (co-viewed in a session) or ``readers``."""

    class Kind(models.TextChoices):
        SESSION = "session", _("viewed in the same session")
        READERS = "readers", _("readers also read")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    item_id = models.CharField(max_length=200)
    related_id = models.CharField(max_length=200)
    score = models.FloatField()
    together = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["item_id", "kind", "-score"], name="analytics_related")]

    def __str__(self) -> str:
        return f"{self.item_id} → {self.related_id} ({self.kind})"


class ReaderRecommendation(models.Model):
    """A personalised recommendation for a reader (pseudonym), with the item that explains it."""

    reader = models.CharField(max_length=32)
    item_id = models.CharField(max_length=200)
    score = models.FloatField()
    because_id = models.CharField(max_length=200)

    class Meta:
        indexes = [models.Index(fields=["reader", "-score"], name="analytics_for_reader")]

    def __str__(self) -> str:
        return f"{self.reader} ← {self.item_id}"


class PopularItem(models.Model):
    """How much an item was used in a library's subtree (the popularity fallback)."""

    scope = models.CharField(max_length=32)
    item_id = models.CharField(max_length=200)
    title = models.CharField(max_length=300, blank=True)
    uses = models.BigIntegerField()
    readers = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["scope", "-uses"], name="analytics_popular")]

    def __str__(self) -> str:
        return f"{self.scope} {self.item_id}: {self.uses}"


class RecommendationOptOut(models.Model):
    """A reader who asked not to get recommendations made from their own reading."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    since = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"opt-out {self.user_id}"


class DemandRequest(models.Model):
    """A reader asks the library for a resource it does not have (荐购/订单式服务)."""

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        ACQUIRING = "acquiring", _("being acquired")
        AVAILABLE = "available", _("now available")
        DECLINED = "declined", _("declined")

    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    library = models.ForeignKey("network.Library", on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=300)
    author = models.CharField(_("author"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    answer = models.TextField(_("answer"), blank=True, max_length=2000)
    created_at = models.DateTimeField(auto_now_add=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.title


class ServiceRating(models.Model):
    """A reader's rating (1–5) of one of a library's services (菜单式服务评价)."""

    class Service(models.TextChoices):
        DIGITAL = "digital", _("digital resources")
        SEARCH = "search", _("search")
        READING = "reading", _("online reading")
        EVENTS = "events", _("events and lectures")
        HELP = "help", _("reference help")

    reader = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    library = models.ForeignKey("network.Library", on_delete=models.CASCADE, related_name="+")
    service = models.CharField(_("service"), max_length=10, choices=Service.choices)
    stars = models.PositiveSmallIntegerField(_("stars"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["reader", "library", "service"], name="analytics_one_rating_per_service"
            )
        ]

    def __str__(self) -> str:
        return f"{self.service} {self.stars}"
