"""Identifier records: library prefixes, identifiers, their change history, the resolve table."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Prefix(models.Model):
    """A library's sub-prefix under the network root (allocated by the national center)."""

    library = models.OneToOneField(
        "network.Library", on_delete=models.CASCADE, related_name="pid_prefix"
    )
    value = models.CharField(_("prefix"), max_length=10, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["value"]
        verbose_name = _("identifier prefix")

    def __str__(self) -> str:
        return self.value


class Identifier(models.Model):
    """A persistent identifier (``root.sub/suffix``, stored lower case) and its record."""

    class Status(models.TextChoices):
        PENDING = "pending", _("pending review")
        ACTIVE = "active", _("active")
        REJECTED = "rejected", _("rejected")
        WITHDRAWN = "withdrawn", _("withdrawn")

    name = models.CharField(_("identifier"), max_length=160, unique=True)
    prefix = models.CharField(max_length=20)
    suffix = models.CharField(max_length=128)
    library = models.ForeignKey(
        "network.Library", on_delete=models.PROTECT, related_name="identifiers"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    resource_type = models.CharField(_("resource type"), max_length=40, blank=True)
    location = models.URLField(_("served URL"), max_length=1000, db_index=True)
    mirrors = models.JSONField(_("mirrors"), default=list, blank=True)
    metadata = models.JSONField(_("metadata"), default=dict, blank=True)
    rights = models.CharField(_("rights statement"), max_length=500)
    fingerprint = models.CharField(_("SHA-256 fingerprint"), max_length=64, null=True, blank=True)
    metadata_key = models.CharField(max_length=32, blank=True, db_index=True)
    similar_to = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    registered_label = models.CharField(max_length=150, default="system")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["fingerprint"],
                condition=Q(fingerprint__isnull=False) & Q(status__in=["pending", "active"]),
                name="unique_live_fingerprint",
            )
        ]
        indexes = [models.Index(fields=["library", "status"], name="pid_library_status")]

    def __str__(self) -> str:
        return self.name

    @property
    def title(self) -> str:
        return str(self.metadata.get("title", ""))

    @property
    def locations(self) -> list[dict]:
        """The primary location first, then mirrors: ``[{"url", "node"}]``."""
        return [{"url": self.location, "node": "primary"}, *self.mirrors]


class Change(models.Model):
    """One change to an identifier after registration: who, when, which fields from → to."""

    identifier = models.ForeignKey(Identifier, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_label = models.CharField(max_length=150)
    action = models.CharField(max_length=30)
    changes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.identifier_id} {self.action} {self.at:%Y-%m-%d}"


class ResolveEntry(models.Model):
    """The resolver's compact lookup row, written in the same transaction as the identifier.

    ``status`` is the identifier's status; ``target`` its primary URL; ``etag`` changes with
    every change to the record; ``record`` is the ready Handle-style JSON body.
    """

    name = models.CharField(max_length=160, primary_key=True)
    status = models.CharField(max_length=10)
    target = models.CharField(max_length=1000)
    etag = models.CharField(max_length=40)
    record = models.TextField()

    class Meta:
        db_table = "identifiers_resolve"

    def __str__(self) -> str:
        return self.name
