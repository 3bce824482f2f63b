"""The parent's side of one identity across nodes: each approved child is a client system.

A child asks over the signed channel (``POST /federation/peer/sso/client``) and gets its
client registration at this node's provider: redirect URI ``<child>/federation/sso/callback/``,
post-logout URI ``<child>/federation/sso/logged-out/``, back-channel logout URI
``<child>/federation/sso/backchannel-logout/``, confidential (secret sent once, stored hashed;
asking again renews it), and no consent page — the node's approval by this node's
administrators stands for the center's approval of skipping it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.settings import oauth2_settings

from shuxiang.accounts import oidc
from shuxiang.core import audit
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import ValidationFailed
from shuxiang.federation.models import HostedLibrary, Node, SsoClient
from shuxiang.federation.sso import BACKCHANNEL, CALLBACK, LOGGED_OUT
from shuxiang.network.models import Library


def _library_for(node: Node) -> Library:
    hosted = HostedLibrary.objects.filter(node=node).select_related("library")
    libraries = sorted((h.library for h in hosted), key=lambda library: len(library.path))
    if libraries:
        return libraries[0]
    root = Library.objects.filter(parent__isnull=True).order_by("pk").first()
    if root is None:
        raise ValidationFailed.single("library", _("This node has no library to register for."))
    return root


def _top_library_name() -> str:
    """The name readers know this node by: its own top library (国家图书馆), else the node's."""
    own = sorted(Library.objects.filter(node="local"), key=lambda library: len(library.path))
    return own[0].name if own else settings.NODE_NAME


@transaction.atomic
def client_for_child(node: Node) -> dict[str, str]:
    """Register (or renew the secret of) ``node``'s client; the secret is in the answer only."""
    node = Node.objects.select_for_update().get(pk=node.pk)
    if node.relation != "child" or node.status != "approved":
        raise ValidationFailed.single("node", _("Only an approved child node is a client here."))
    existing = SsoClient.objects.filter(node=node).select_related("application").first()
    if existing is not None:
        app, secret = existing.application, generate_client_secret()
        app.client_secret = secret
        app.save()
    else:
        app, secret = oidc.register_client(
            _library_for(node),
            node.name,
            [node.base_url + CALLBACK],
            post_logout_redirect_uris=[node.base_url + LOGGED_OUT],
            backchannel_logout_uri=node.base_url + BACKCHANNEL,
            skip_consent=True,
            by=SYSTEM,
        )
        SsoClient.objects.create(node=node, application=app)
    audit.record(SYSTEM, "federation.sso_client", node, client_id=app.client_id)
    return {
        "label": _top_library_name(),
        "issuer": oauth2_settings.oidc_issuer(None),
        "client_id": app.client_id,
        "client_secret": secret,
    }
