"""OpenID Connect provider pieces: the claims per scope, and client registration by staff.

The protocol itself (authorize, token, PKCE, refresh, JWKS, userinfo, logout) is
django-oauth-toolkit's; here is what Shuxiang decides: which claim needs which scope, and who
may register a client system for which library.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_application_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import SettingsScopes

from shuxiang.accounts.models import ClientRegistration, User
from shuxiang.core import audit
from shuxiang.core.errors import FieldError, ValidationFailed
from shuxiang.network import scopes
from shuxiang.network.models import Library

CLAIM_SCOPE = {
    "sub": "openid",
    "name": "profile",
    "preferred_username": "profile",
    "home_library": "library",
    "home_library_name": "library",
    "reader_cards": "cards",
    "real_name_verified": "realname",
    "real_name_method": "realname",
}


SCOPE_DESCRIPTIONS = {
    "openid": gettext_lazy("Sign you in with your Shuxiang account"),
    "profile": gettext_lazy("Your display name and username"),
    "library": gettext_lazy("Your home library"),
    "cards": gettext_lazy("Your reader card numbers"),
    "realname": gettext_lazy("Whether your real name is verified (not the name itself)"),
}


class ShuxiangScopes(SettingsScopes):
    """The scopes of settings, described to the reader in their language on the consent page."""

    def get_all_scopes(self):
        return SCOPE_DESCRIPTIONS


def _home_code(user: User) -> str | None:
    return user.home_library.code if user.home_library_id else None


def _home_name(user: User) -> str | None:
    return user.home_library.name if user.home_library_id else None


def _cards(user: User) -> list[dict[str, str]]:
    return [
        {"library": card.library.code, "number": card.number}
        for card in user.reader_cards.select_related("library")
    ]


class ShuxiangValidator(OAuth2Validator):
    """Claims for Shuxiang accounts; each is released only when its scope was granted."""

    oidc_claim_scope = CLAIM_SCOPE

    def get_claim_dict(self, request):
        return {
            "sub": lambda r: str(r.user.public_id),
            "name": lambda r: str(r.user),
            "preferred_username": lambda r: r.user.username,
            "home_library": lambda r: _home_code(r.user),
            "home_library_name": lambda r: _home_name(r.user),
            "reader_cards": lambda r: _cards(r.user),
            "real_name_verified": lambda r: r.user.is_real_name,
            "real_name_method": lambda r: r.user.real_name_method or None,
        }

    def get_discovery_claims(self, request):
        return list(CLAIM_SCOPE)


def _uri_errors(uris: list[str], field: str) -> list[FieldError]:
    errors = []
    for index, uri in enumerate(uris):
        if not uri.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            reason = _("%(uri)s must use https (plain http only on this machine).") % {"uri": uri}
            errors.append(FieldError(f"{field}[{index}]", reason, "redirect_uri"))
    return errors


@transaction.atomic
def register_client(
    library: Library,
    name: str,
    redirect_uris: list[str],
    *,
    post_logout_redirect_uris: list[str] | None = None,
    confidential: bool = True,
    skip_consent: bool = False,
    by,
) -> tuple[object, str]:
    """Register a client system for ``library``; returns (application, raw client secret)."""
    scopes.require(by, library, "register client systems for")
    logout_uris = post_logout_redirect_uris or []
    errors = _uri_errors(redirect_uris, "redirect_uris")
    errors += _uri_errors(logout_uris, "post_logout_redirect_uris")
    if not redirect_uris:
        reason = _("Give at least one redirect URI.")
        errors.append(FieldError("redirect_uris", reason, "required"))
    if not (name or "").strip():
        errors.append(FieldError("name", _("Give the client system a name."), "required"))
    if errors:
        raise ValidationFailed(_("The client system cannot be registered."), errors)
    application_model = get_application_model()
    secret = generate_client_secret()
    kind = (
        application_model.CLIENT_CONFIDENTIAL if confidential else application_model.CLIENT_PUBLIC
    )
    app = application_model.objects.create(
        name=name.strip(),
        client_type=kind,
        authorization_grant_type=application_model.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(redirect_uris),
        post_logout_redirect_uris=" ".join(logout_uris),
        algorithm=application_model.RS256_ALGORITHM,
        client_secret=secret,
        skip_authorization=skip_consent,
    )
    ClientRegistration.objects.create(
        application=app, library=library, registered_by=by if getattr(by, "pk", None) else None
    )
    audit.record(by, "accounts.register_client", app, library=library.code, name=app.name)
    return app, secret


def clients_of(by) -> list[ClientRegistration]:
    """Client registrations in the libraries ``by`` administers."""
    return list(
        ClientRegistration.objects.select_related("application", "library").filter(
            library__in=Library.objects.filter(scopes.in_scope(by))
        )
    )
