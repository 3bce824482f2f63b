"""OpenID Connect provider pieces: claims per scope, silent sign-in, client registration.

The protocol itself (authorize, token, PKCE, refresh, JWKS, userinfo, logout) is
django-oauth-toolkit's; here is what Shuxiang decides: which claim needs which scope, when
``prompt=none`` may answer with a code, who may register a client system for which library, and
who may let it skip the consent page (免授权确认: a national or provincial center only).
"""

from __future__ import annotations

from contextvars import ContextVar

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_access_token_model, get_application_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import SettingsScopes
from oauth2_provider.settings import oauth2_settings

from shuxiang.accounts import oidc_sessions
from shuxiang.accounts.models import ClientRegistration, User
from shuxiang.accounts.redirect_uris import uri_errors
from shuxiang.core import audit
from shuxiang.core.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from shuxiang.network import scopes
from shuxiang.network.models import Library

#: The person at the authorization endpoint (set by the view; the validator sees only oauthlib).
authorizing_user: ContextVar = ContextVar("authorizing_user", default=None)
CENTER_LEVELS = {Library.Level.NATIONAL, Library.Level.PROVINCIAL}

CLAIM_SCOPE = {
    "sub": "openid",
    "name": "profile",
    "preferred_username": "profile",
    "home_library": "library",
    "home_library_name": "library",
    "home_node": "library",
    "reader_cards": "cards",
    "real_name_verified": "realname",
    "real_name_method": "realname",
    "entitlement": "openid",  # clients that stand for a licensed vendor (the proxy app's)
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


def home_claims(user: User) -> dict[str, str | None]:
    """``home_library``, ``home_library_name`` and ``home_node`` (the issuer of the home node).

    ``settings.OIDC_HOME_CLAIMS`` (a dotted path; the federation app's) answers for readers
    whose home is another node; otherwise the home is here.
    """
    hook = getattr(settings, "OIDC_HOME_CLAIMS", "")
    found = import_string(hook)(user) if hook else None
    if found:
        return found
    library = user.home_library if user.home_library_id else None
    return {
        "home_library": library.code if library else None,
        "home_library_name": library.name if library else None,
        "home_node": oauth2_settings.oidc_issuer(None),
    }


def client_claims(user, client) -> dict | None:
    """The complete claims a client gets instead of the usual ones, or None for the usual.

    ``settings.OIDC_CLIENT_CLAIMS`` (a dotted path; the proxy app's) answers for clients that
    stand for a licensed vendor: a pseudonymous per-vendor ``sub``, the entitlement."""
    hook = getattr(settings, "OIDC_CLIENT_CLAIMS", "")
    if not hook or client is None or user is None or not getattr(user, "pk", None):
        return None
    return import_string(hook)(user, client)


def _cards(user: User) -> list[dict[str, str]]:
    return [
        {"library": card.library.code, "number": card.number}
        for card in user.reader_cards.select_related("library")
    ]


class ShuxiangValidator(OAuth2Validator):
    """Claims for Shuxiang accounts; each is released only when its scope was granted."""

    oidc_claim_scope = CLAIM_SCOPE

    def get_claim_dict(self, request):
        targeted = client_claims(request.user, request.client)
        if targeted is not None:  # a vendor's client: a pairwise subject and nothing else
            return {name: (lambda r, v=value: v) for name, value in targeted.items()}
        return {
            "sub": lambda r: str(r.user.public_id),
            "name": lambda r: str(r.user),
            "preferred_username": lambda r: r.user.username,
            "home_library": lambda r: home_claims(r.user)["home_library"],
            "home_library_name": lambda r: home_claims(r.user)["home_library_name"],
            "home_node": lambda r: home_claims(r.user)["home_node"],
            "reader_cards": lambda r: _cards(r.user),
            "real_name_verified": lambda r: r.user.is_real_name,
            "real_name_method": lambda r: r.user.real_name_method or None,
        }

    def get_discovery_claims(self, request):
        return [*CLAIM_SCOPE, "sid"]

    def save_authorization_code(self, client_id, code, request, *args, **kwargs):
        super().save_authorization_code(client_id, code, request, *args, **kwargs)
        oidc_sessions.note_code(request.client, code["code"])

    def get_id_token_dictionary(self, token, token_handler, request):
        """The standard claims plus ``sid`` (Back-Channel Logout 1.0 §2.1)."""
        claims, expires = super().get_id_token_dictionary(token, token_handler, request)
        sid = oidc_sessions.sid_for_token(request)
        if sid:
            claims["sid"] = sid
        return claims, expires

    def validate_silent_login(self, request) -> bool:
        """``prompt=none`` (OIDC Core §3.1.2.6): a code only for a signed-in person."""
        user = authorizing_user.get()
        return bool(user is not None and user.is_authenticated)

    def validate_silent_authorization(self, request) -> bool:
        """``prompt=none``: the client may skip consent, or this person already consented."""
        user, app = authorizing_user.get(), request.client
        if app.skip_authorization:
            return True
        return has_consented(user, app, request.scopes or [])


def has_consented(user, app, scopes: list[str]) -> bool:
    """True when ``user`` granted ``app`` these scopes and the grant is still alive."""
    if user is None or not user.is_authenticated:
        return False
    alive = Q(expires__gt=timezone.now()) | Q(
        refresh_token__isnull=False, refresh_token__revoked__isnull=True
    )
    tokens = get_access_token_model().objects.filter(alive, user=user, application=app)
    return any(token.allow_scopes(scopes) for token in tokens)


def follow_base_url(url: str) -> None:
    """The issuer is the node's configured base URL (never the request's Host header)."""
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": url}
    oauth2_settings.reload()


def may_approve_skip_consent(actor, library: Library) -> bool:
    """Administrators of the national or a provincial center above ``library`` (or the node)."""
    if scopes.unrestricted(actor):
        return True
    return any(
        scope.level in CENTER_LEVELS and library.in_subtree_of(scope)
        for scope in scopes.libraries(actor)
    )


@transaction.atomic
def register_client(
    library: Library,
    name: str,
    redirect_uris: list[str],
    *,
    post_logout_redirect_uris: list[str] | None = None,
    backchannel_logout_uri: str = "",
    confidential: bool = True,
    skip_consent: bool = False,
    by,
) -> tuple[object, str]:
    """Register a client system for ``library``; returns (application, raw client secret).

    ``skip_consent`` takes effect at once for a center's administrator; anyone else's request
    is kept on the registration until a center approves it (``approve_skip_consent``).
    """
    scopes.require(by, library, "register client systems for")
    logout_uris = post_logout_redirect_uris or []
    errors = uri_errors(redirect_uris, "redirect_uris")
    errors += uri_errors(logout_uris, "post_logout_redirect_uris")
    if backchannel_logout_uri:
        errors += uri_errors([backchannel_logout_uri], "backchannel_logout_uri")
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
        skip_authorization=False,
    )
    person = by if getattr(by, "pk", None) else None
    registration = ClientRegistration.objects.create(
        application=app,
        library=library,
        registered_by=person,
        skip_consent_requested=skip_consent,
        backchannel_logout_uri=backchannel_logout_uri,
    )
    audit.record(
        by, "accounts.register_client", app, library=library.code, name=app.name, skip=skip_consent
    )
    if skip_consent and may_approve_skip_consent(by, library):
        _approve(registration, by)
    return app, secret


def _approve(registration: ClientRegistration, by) -> None:
    app = registration.application
    app.skip_authorization = True
    app.save(update_fields=["skip_authorization"])
    registration.skip_consent_requested = True
    registration.skip_consent_approved_by = by if getattr(by, "pk", None) else None
    registration.skip_consent_approved_at = timezone.now()
    registration.save()
    audit.record(by, "accounts.approve_skip_consent", app, library=registration.library.code)


@transaction.atomic
def approve_skip_consent(client_id: str, *, by) -> ClientRegistration:
    """A center lets a client system sign its readers in without the consent page."""
    registration = (
        ClientRegistration.objects.select_for_update()
        .select_related("application", "library")
        .filter(application__client_id=client_id)
        .first()
    )
    if registration is None:
        raise NotFound(_("No client system has this client id."))
    library = registration.library
    if not may_approve_skip_consent(by, library):
        raise PermissionDenied(
            _(
                "Only an administrator of the national center or of the provincial center above "
                "%(library)s may let its client systems skip the consent page."
            )
            % {"library": library.name}
        )
    _approve(registration, by)
    return registration


def clients_of(by) -> list[ClientRegistration]:
    """Client registrations in the libraries ``by`` administers."""
    return list(
        ClientRegistration.objects.select_related("application", "library")
        .order_by("pk")
        .filter(library__in=Library.objects.filter(scopes.in_scope(by)))
    )
