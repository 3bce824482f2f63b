"""Vendor definitions, gateway sessions and reader pauses of the proxy gateway (代理认证)."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from shuxiang.network.models import Library


class VendorDefinition(models.Model):
    """A licensed database reached through the gateway (one EZproxy stanza).

    ``library`` is whose network identity (egress address) the vendor sees and whose readers
    (its subtree, by home library) are entitled: a provincial library may proxy for its
    counties.
    """

    library = models.ForeignKey(Library, on_delete=models.PROTECT, related_name="vendors")
    title = models.CharField(max_length=300)
    description = models.TextField(blank=True)
    url = models.URLField(max_length=2000, help_text="Starting point.")
    hosts = models.JSONField(default=list, help_text="Origins proxied by name (scheme://host).")
    domains = models.JSONField(default=list)
    never_proxy = models.JSONField(default=list)
    find_replace = models.JSONField(default=list)
    mime_filters = models.JSONField(default=list)
    options = models.JSONField(default=list)
    stanza = models.TextField(blank=True, help_text="The stanza text as imported.")
    egress_address = models.GenericIPAddressField(
        null=True, blank=True, help_text="Source address of requests to the vendor."
    )
    pdf_limit_per_hour = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: SHUXIANG_PROXY_PDF_LIMIT_PER_HOUR."
    )
    search_patterns = models.JSONField(
        default=list, help_text="Regular expressions of the vendor's search URLs (path?query)."
    )
    item_patterns = models.JSONField(
        default=list, help_text="Regular expressions of the vendor's item (article) URLs."
    )
    handoff_url = models.URLField(
        max_length=2000, blank=True, help_text="Vendor URL accepting a signed entitlement token."
    )
    handoff_secret = models.CharField(
        max_length=200, blank=True, help_text="Key shared with the vendor to sign tokens (HS256)."
    )
    oidc_client = models.OneToOneField(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
        help_text="OpenID Connect client the vendor signs readers in with (pairwise subject).",
    )  # fmt: skip
    enabled = models.BooleanField(default=True)
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["library", "title"], name="proxy_vendor_title_unique")
        ]
        ordering = ["title"]

    def __str__(self) -> str:
        return self.title


class GatewaySession(models.Model):
    """A reader's session on the gateway hosts (cookie on the proxy domain), by key hash."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    key_hash = models.CharField(max_length=64, unique=True)
    ticket_hash = models.CharField(max_length=64, blank=True, db_index=True)
    ticket_expires = models.DateTimeField(null=True, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    expires = models.DateTimeField()

    def __str__(self) -> str:
        return f"gateway session of {self.user_id}"


class UsageWindow(models.Model):
    """How many requests of one kind a reader made through one vendor in one hour."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    vendor = models.ForeignKey(VendorDefinition, on_delete=models.CASCADE)
    kind = models.CharField(max_length=20)  # "pdf", "html", "other"
    hour = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)
    bytes = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "vendor", "kind", "hour"], name="proxy_usage_window_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.hour:%Y-%m-%d %H}h: {self.count}"


class ReaderPause(models.Model):
    """A reader stopped at the gateway after breaking a limit; evidence kept for staff."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    vendor = models.ForeignKey(VendorDefinition, on_delete=models.CASCADE)
    reason = models.CharField(max_length=300)
    evidence = models.JSONField(default=dict)
    created = models.DateTimeField(auto_now_add=True)
    lifted_at = models.DateTimeField(null=True, blank=True)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )  # fmt: skip

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.reason


class GatewayPort(models.Model):
    """Proxy by port (按端口代理): the node port that stands for one vendor origin, for good.

    Assigned from ``SHUXIANG_PROXY_PORTS`` the first time an origin is needed and never moved,
    so links readers saved keep working."""

    origin = models.CharField(max_length=300, unique=True, help_text="scheme://host[:port]")
    port = models.PositiveIntegerField(unique=True)

    class Meta:
        ordering = ["port"]

    def __str__(self) -> str:
        return f"{self.port} → {self.origin}"
