"""Federation records: peer nodes, their keys, the libraries they host, seen nonces."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.settings import oauth2_settings


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


# --- identifiers along the tree (fed-ids) ---


class PrefixDelegation(models.Model):
    """An identifier sub-prefix delegated down the tree (前缀授权).

    ``granted``: this node delegated ``prefix`` to the child ``node``; ``received``: the parent
    ``node`` delegated it to this node. A prefix covers every sub-prefix beginning with it.
    A revoked delegation (``revoked_at``) allows no new identifiers under it; those already
    named keep resolving.
    """

    class Direction(models.TextChoices):
        GRANTED = "granted", _("delegated to a child")
        RECEIVED = "received", _("delegated by the parent")

    prefix = models.CharField(_("prefix"), max_length=10)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    node = models.ForeignKey(Node, on_delete=models.PROTECT, related_name="prefix_delegations")
    created = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_reason = models.TextField(_("reason for revoking"), blank=True)

    class Meta:
        ordering = ["direction", "prefix"]
        constraints = [
            models.UniqueConstraint(fields=["prefix", "direction"], name="unique_prefix_delegation")
        ]

    def __str__(self) -> str:
        return f"{self.prefix} {self.direction} {self.node_id}"


class RemoteIdentifier(models.Model):
    """An identifier held below this node, as last reported (or, briefly, as looked up).

    ``node`` is the child it came through. Reported rows (``reported_at`` set) are also in the
    resolve table; looked-up rows are a cache until ``expires`` (``status`` "absent" caches a
    name the child does not know).
    """

    name = models.CharField(max_length=160, primary_key=True)
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="remote_identifiers")
    status = models.CharField(max_length=10)
    location = models.CharField(max_length=1000, blank=True)
    version = models.PositiveIntegerField(default=0)
    etag = models.CharField(max_length=40, blank=True)
    record = models.TextField(blank=True)
    reported_at = models.DateTimeField(null=True, blank=True)
    expires = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class IdentifierOutbox(models.Model):
    """A change to report to the parent node: the name whose current state is to be sent."""

    name = models.CharField(max_length=160)
    queued = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.name


# --- figures and health (fed-stats) ---


class FiguresPushed(models.Model):
    """A day of this node's figures its parent acknowledged, with the digest it was sent as."""

    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="figures_pushed")
    day = models.DateField()
    digest = models.CharField(max_length=64)
    pushed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["node", "day"], name="federation_figures_pushed_once")
        ]

    def __str__(self) -> str:
        return f"{self.day} → {self.node_id}"


# --- fed-sso: one identity across nodes (统一用户 / 单点登录) ---


class SsoUpstream(models.Model):
    """This node's client registration at its parent node's OIDC provider."""

    node = models.OneToOneField(Node, on_delete=models.CASCADE, related_name="sso_upstream")
    issuer = models.CharField(max_length=500, unique=True)
    client_id = models.CharField(max_length=100)
    client_secret_enc = models.TextField()
    #: What the login page offers: the parent's top library (国家图书馆) + "account login".
    label = models.CharField(max_length=200, blank=True)
    registered_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.client_id} @ {self.issuer}"


class SsoClient(models.Model):
    """At the parent: the client registration of an approved child node."""

    node = models.OneToOneField(Node, on_delete=models.CASCADE, related_name="sso_client")
    application = models.OneToOneField(
        oauth2_settings.APPLICATION_MODEL, on_delete=models.CASCADE, related_name="+"
    )

    def __str__(self) -> str:
        return f"{self.node_id} → {self.application_id}"


class SsoLink(models.Model):
    """A local account linked to a reader's account at an upstream provider (``iss``, ``sub``).

    ``home_*`` are the home node and library the provider named (claims ``home_node``,
    ``home_library``, ``home_library_name``); this node passes them on to its own clients.
    """

    issuer = models.CharField(max_length=500)
    subject = models.CharField(max_length=255)
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="federation_links"
    )
    home_node = models.CharField(max_length=500, blank=True)
    home_library = models.CharField(max_length=32, blank=True)
    home_library_name = models.CharField(max_length=200, blank=True)
    linked_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="unique_sso_link")
        ]

    def __str__(self) -> str:
        return f"{self.subject} @ {self.issuer}"


class SsoSession(models.Model):
    """A session here begun by a login at the upstream provider (its ``sid``), for logout."""

    issuer = models.CharField(max_length=500)
    sid = models.CharField(max_length=64, blank=True, db_index=True)
    subject = models.CharField(max_length=255)
    session_key = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    ended_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.sid or self.subject} @ {self.issuer}"
