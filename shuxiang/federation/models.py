"""Federation records: peer nodes, their keys, the libraries they host, seen nonces."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NodeQuerySet(models.QuerySet):
    def approved_children(self) -> NodeQuerySet:
        return self.filter(relation=Node.Relation.CHILD, status=Node.Status.APPROVED)


class Node(models.Model):
    """A peer installation seen from this node (节点): our parent, or a child that joined us."""

    class Relation(models.TextChoices):
        PARENT = "parent", _("parent")
        CHILD = "child", _("child")

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        APPROVED = "approved", _("approved")
        REFUSED = "refused", _("refused")
        REVOKED = "revoked", _("revoked")

    name = models.CharField(_("name"), max_length=100)
    base_url = models.CharField(_("base URL"), max_length=300, unique=True)
    relation = models.CharField(_("relation"), max_length=8, choices=Relation.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    reason = models.TextField(_("reason"), blank=True)
    requested_libraries = models.JSONField(default=list, blank=True)
    created = models.DateTimeField(default=timezone.now)
    approved_at = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)
    last_sync = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)

    objects = NodeQuerySet.as_manager()

    class Meta:
        ordering = ["relation", "name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.base_url})"

    @classmethod
    def parent(cls) -> Node | None:
        """This node's approved parent, or None."""
        return cls.objects.filter(relation=cls.Relation.PARENT, status=cls.Status.APPROVED).first()

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


class NodeKey(models.Model):
    """A peer's Ed25519 public key. ``retired_at`` null = active; a future one = grace period."""

    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="keys")
    key_id = models.CharField(max_length=64, unique=True)
    public_key = models.CharField(max_length=64, help_text="Raw 32-byte Ed25519 key, base64url.")
    created = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created"]

    def __str__(self) -> str:
        return self.key_id

    def is_active(self, now=None) -> bool:
        return self.retired_at is None or self.retired_at > (now or timezone.now())


class HostedLibrary(models.Model):
    """Which node hosts a library of the tree (shown in the library tree)."""

    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="hosted")
    library = models.OneToOneField(
        "network.Library", on_delete=models.CASCADE, related_name="hosting"
    )

    class Meta:
        verbose_name_plural = _("hosted libraries")

    def __str__(self) -> str:
        return f"{self.library_id} @ {self.node_id}"


class SeenNonce(models.Model):
    """A signature nonce already accepted (replay protection); forgotten after ``expires``."""

    key_id = models.CharField(max_length=64)
    nonce = models.CharField(max_length=64)
    expires = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key_id", "nonce"], name="federation_nonce_once")
        ]

    def __str__(self) -> str:
        return f"{self.key_id}:{self.nonce}"
