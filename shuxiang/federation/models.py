"""Federation records: peer nodes, their keys, which node hosts which library."""

from __future__ import annotations

from django.db import models
from oauth2_provider.settings import oauth2_settings


class NodeQuerySet(models.QuerySet):
    def approved_children(self):
        return self.filter(relation="child", status="approved")


class Node(models.Model):
    """A peer installation seen from this node (its parent or one of its children)."""

    name = models.CharField(max_length=200)
    base_url = models.CharField(max_length=500, unique=True)
    relation = models.CharField(max_length=10)
    status = models.CharField(max_length=10, default="pending")
    reason = models.TextField(blank=True)
    created = models.DateTimeField(auto_now_add=True)
    approved_at = models.DateTimeField(null=True, blank=True)
    last_seen = models.DateTimeField(null=True, blank=True)

    objects = NodeQuerySet.as_manager()

    def __str__(self) -> str:
        return self.name

    @classmethod
    def parent(cls) -> Node | None:
        return cls.objects.filter(relation="parent", status="approved").first()


class NodeKey(models.Model):
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="keys")
    key_id = models.CharField(max_length=100, unique=True)
    public_key = models.CharField(max_length=100)
    created = models.DateTimeField(auto_now_add=True)
    retired_at = models.DateTimeField(null=True, blank=True)


class HostedLibrary(models.Model):
    node = models.ForeignKey(Node, on_delete=models.CASCADE, related_name="hosted")
    library = models.OneToOneField("network.Library", on_delete=models.CASCADE, related_name="+")


class SeenNonce(models.Model):
    key_id = models.CharField(max_length=200)
    nonce = models.CharField(max_length=200)
    expires = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["key_id", "nonce"], name="unique_seen_nonce")
        ]


# --- fed-sso: one identity across nodes (统一用户 / 单点登录) ---


class SsoUpstream(models.Model):
    """This node's client registration at its parent node's OIDC provider."""

    node = models.OneToOneField(Node, on_delete=models.CASCADE, related_name="sso_upstream")
    issuer = models.CharField(max_length=500, unique=True)
    client_id = models.CharField(max_length=100)
    client_secret_enc = models.TextField()
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
