"""OIDC hand-off (OIDC 交接): a licensed vendor as an OpenID Connect client of the node.

The preferred path where a vendor supports it: the reader goes to the vendor itself, which
signs them in through the node's OpenID provider (authorization code flow, PKCE). The vendor's
client gets no name, card or username, only a pseudonymous subject that is stable for one
reader and one vendor and unlinkable across vendors (the same HMAC of reader and vendor as the
signed token's ``sub``; OIDC's "pairwise" subject type), and ``entitlement``
(``urn:shuxiang:library:<code>``) while the reader is entitled and not paused. Without that
claim the vendor admits no one.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.db import transaction
from django.utils.translation import gettext as _
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_application_model

from shuxiang.core import audit
from shuxiang.core.errors import FieldError, NotFound, ServiceError, ValidationFailed
from shuxiang.network import scopes
from shuxiang.proxy import handoff
from shuxiang.proxy.models import VendorDefinition


def claims_for(user, client) -> dict | None:
    """The claims of ``client`` when it stands for a vendor (``settings.OIDC_CLIENT_CLAIMS``)."""
    from shuxiang.proxy import services

    vendor = VendorDefinition.objects.filter(oidc_client=client).select_related("library").first()
    if vendor is None:
        return None
    claims = {"sub": handoff.subject(user, vendor)}
    try:
        services.require_entitled(user, vendor)
    except ServiceError:
        return claims
    if vendor.enabled and services.active_pause(user, vendor) is None:
        claims["entitlement"] = f"urn:shuxiang:library:{vendor.library.code}"
    return claims


def _redirect_errors(uris: list[str]) -> list[FieldError]:
    errors = []
    for uri in uris:
        parts = urlsplit(uri)
        loopback = parts.hostname in ("127.0.0.1", "localhost", "::1")
        if parts.scheme != "https" and not (parts.scheme == "http" and loopback):
            reason = _("A redirect URI must use https: %(uri)s") % {"uri": uri[:200]}
            errors.append(FieldError("redirect_uris", reason, "invalid"))
        elif not parts.hostname or parts.fragment:
            reason = _("Not a usable redirect URI: %(uri)s") % {"uri": uri[:200]}
            errors.append(FieldError("redirect_uris", reason, "invalid"))
    if not uris:
        reason = _("Give at least one redirect URI.")
        errors.append(FieldError("redirect_uris", reason, "required"))
    return errors


@transaction.atomic
def make_client(pk: int, redirect_uris: list[str], *, by: object) -> tuple[object, str]:
    """Make ``vendor`` an OIDC client (a new secret each time): (application, raw secret)."""
    vendor = VendorDefinition.objects.select_for_update().filter(pk=pk).first()
    if vendor is None:
        reason = _("No such vendor definition.")
        raise NotFound(reason, [FieldError("id", reason, "not_found")])
    scopes.require(by, vendor.library, "change the vendor definitions of")
    errors = _redirect_errors(redirect_uris)
    if errors:
        raise ValidationFailed(_("The vendor cannot become an OIDC client."), errors)
    model = get_application_model()
    secret = generate_client_secret()
    old = vendor.oidc_client
    vendor.oidc_client = model.objects.create(
        name=f"{vendor.title} (vendor)"[:255],
        client_type=model.CLIENT_CONFIDENTIAL,
        authorization_grant_type=model.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(redirect_uris),
        algorithm=model.RS256_ALGORITHM,
        client_secret=secret,
        skip_authorization=False,
    )
    vendor.save(update_fields=["oidc_client", "updated"])
    if old is not None:
        old.delete()
    audit.record(by, "proxy.oidc_client_made", vendor, client_id=vendor.oidc_client.client_id)
    return vendor.oidc_client, secret
