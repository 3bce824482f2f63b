"""One identity across nodes (统一用户, 跨馆单点登录): a client of the parent node's provider.

The parent node's OpenID Connect provider (``shuxiang.accounts``) signs readers in; this node is
its Relying Party. The client registration is fetched once over the signed channel
(:func:`upstream`, ``POST /federation/peer/sso/client``); the login is the authorization code
flow with PKCE S256 and a nonce, through Authlib; the ID token is checked against the parent's
JWKS (RS256 only). First login links or creates the local account — by the provider's
(``iss``, ``sub``) pair only, never by user name, e-mail or phone number — and the account gets
no staff role: roles are granted at each node by its own administrators.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from authlib.integrations.requests_client import OAuth2Session
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from shuxiang.accounts import pii
from shuxiang.accounts.models import User
from shuxiang.core import audit, options
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import NotFound, ServiceError, ValidationFailed
from shuxiang.core.http import base_url
from shuxiang.federation import sync
from shuxiang.federation.models import Node, SsoLink, SsoUpstream
from shuxiang.network.models import Library

log = logging.getLogger("shuxiang.federation")
SCOPE = "openid profile library"
CALLBACK = "/federation/sso/callback/"
LOGGED_OUT = "/federation/sso/logged-out/"
BACKCHANNEL = "/federation/sso/backchannel-logout/"
DISCOVERY_SECONDS = 600
CLOCK_SKEW = 120
PENDING = "federation.sso_pending"
#: Where ``accounts.views.logout_view`` sends the browser after a local logout (RP-initiated).
UPSTREAM_LOGOUT = "accounts.upstream_logout"


class SsoRefused(ValidationFailed):
    """The provider's answer cannot be accepted (the field names what was wrong)."""


def _timeout() -> int:
    return options.value("FEDERATION_TIMEOUT")


def _http() -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    return session


def discovery(issuer: str) -> dict:
    """The provider's discovery document (cached); its ``issuer`` must be ``issuer`` exactly."""
    key = f"federation.sso.discovery:{issuer}"
    meta = cache.get(key)
    if meta is None:
        meta = _http().get(f"{issuer}/.well-known/openid-configuration", timeout=_timeout()).json()
        if meta.get("issuer") != issuer:
            raise SsoRefused.single("issuer", _("The provider names another issuer."), "issuer")
        cache.set(key, meta, DISCOVERY_SECONDS)
    return meta


def provider_keys(issuer: str, *, refresh: bool = False) -> KeySet:
    """The provider's signing keys (JWKS), refetched when a token names an unknown key."""
    key = f"federation.sso.jwks:{issuer}"
    data = None if refresh else cache.get(key)
    if data is None:
        data = _http().get(discovery(issuer)["jwks_uri"], timeout=_timeout()).json()
        cache.set(key, data, DISCOVERY_SECONDS)
    return KeySet.import_key_set(data)


def decode_signed(token: str, issuer: str):
    """A JWT signed by ``issuer``'s RS256 key (one refetch of the JWKS on an unknown key)."""
    for refresh in (False, True):
        try:
            return jwt.decode(token, provider_keys(issuer, refresh=refresh), algorithms=["RS256"])
        except (JoseError, ValueError) as exc:
            failure = exc
    raise SsoRefused.single("id_token", _("The token's signature is not valid: %s") % failure)


def upstream() -> SsoUpstream:
    """This node's client registration at its parent's provider, fetched once (signed call)."""
    parent = Node.parent()
    if parent is None:
        raise NotFound(_("This node has no approved parent node to log in through."))
    found = SsoUpstream.objects.filter(node=parent).first()
    return found or register_upstream(parent)


def register_upstream(parent: Node) -> SsoUpstream:
    """Ask ``parent`` for (or to renew) this node's client registration; store it."""
    from shuxiang.federation.signing import peer_session

    answer = peer_session(parent).post(
        parent.base_url + "/federation/peer/sso/client", json={"base_url": base_url()}
    )
    if answer.status_code != 200:
        raise SsoRefused.single("parent", answer.text[:300], "registration_refused")
    data = answer.json()
    if discovery(data["issuer"])["issuer"] != data["issuer"]:  # pragma: no cover - checked above
        raise SsoRefused.single("issuer", _("The provider names another issuer."))
    found, _created = SsoUpstream.objects.update_or_create(
        node=parent,
        defaults={
            "issuer": data["issuer"],
            "client_id": data["client_id"],
            "client_secret_enc": pii.encrypt(data["client_secret"]),
            "label": str(data.get("label") or parent.name)[:200],
        },
    )
    audit.record(SYSTEM, "federation.sso_registered", parent, client_id=data["client_id"])
    return found


def _client(registration: SsoUpstream) -> OAuth2Session:
    client = OAuth2Session(
        registration.client_id,
        pii.decrypt(registration.client_secret_enc),
        scope=SCOPE,
        redirect_uri=base_url() + CALLBACK,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic",
    )
    client.trust_env = False
    return client


def begin_login(session, next_url: str) -> str:
    """Where to send the browser to log in at the parent; remembers state, verifier, nonce."""
    registration = upstream()
    verifier, nonce = secrets.token_urlsafe(48), secrets.token_urlsafe(16)
    url, state = _client(registration).create_authorization_url(
        discovery(registration.issuer)["authorization_endpoint"],
        code_verifier=verifier,
        nonce=nonce,
    )
    session[PENDING] = {"state": state, "verifier": verifier, "nonce": nonce, "next": next_url}
    return url


@dataclass
class Arrival:
    """A reader coming back from the provider: the local account and what the provider said."""

    user: User
    claims: dict
    id_token: str
    next_url: str
    registration: SsoUpstream


def finish_login(session, callback_url: str, params) -> Arrival:
    """Check the provider's answer (state, code, ID token, nonce), then link the account."""
    pending = session.pop(PENDING, None)
    if pending is None or params.get("state") != pending["state"]:
        raise SsoRefused.single("state", _("This login was not started here, or it expired."))
    if params.get("error"):
        reason = params.get("error_description") or params["error"]
        raise SsoRefused.single("error", reason, params["error"])
    registration = upstream()
    meta = discovery(registration.issuer)
    client = _client(registration)
    token = client.fetch_token(
        meta["token_endpoint"],
        authorization_response=callback_url,
        code_verifier=pending["verifier"],
        timeout=_timeout(),
    )
    claims = id_token_claims(token.get("id_token", ""), registration, pending["nonce"])
    info = client.get(meta["userinfo_endpoint"], timeout=_timeout()).json()
    if info.get("sub") != claims["sub"]:
        raise SsoRefused.single("sub", _("The user information names another person."))
    user = link_account(registration.issuer, {**info, **claims})
    return Arrival(user, claims, token["id_token"], pending["next"], registration)


def id_token_claims(id_token: str, registration: SsoUpstream, nonce: str) -> dict:
    """The checked claims of an ID token (OIDC Core §3.1.3.7)."""
    if not id_token:
        raise SsoRefused.single("id_token", _("The provider sent no ID token."))
    token = decode_signed(id_token, registration.issuer)
    try:
        jwt.JWTClaimsRegistry(
            leeway=CLOCK_SKEW,
            iss={"essential": True, "value": registration.issuer},
            aud={"essential": True, "value": registration.client_id},
            exp={"essential": True},
            sub={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except JoseError as exc:
        reason = _("The ID token is not for this login: %s") % exc
        raise SsoRefused.single("id_token", reason) from None
    return dict(token.claims)


@transaction.atomic
def link_account(issuer: str, claims: dict) -> User:
    """The local account for (``iss``, ``sub``): the linked one, or a new reader account.

    Matching rules: only the provider's stable subject identifier links; a new account is
    created otherwise (no match on user name, e-mail or phone). It holds no staff role.
    """
    link = SsoLink.objects.select_for_update().filter(issuer=issuer, subject=claims["sub"])
    link = link.select_related("user").first()
    home = {
        "home_node": str(claims.get("home_node") or issuer)[:500],
        "home_library": str(claims.get("home_library") or "")[:32],
        "home_library_name": str(claims.get("home_library_name") or "")[:200],
    }
    if link is not None:
        SsoLink.objects.filter(pk=link.pk).update(last_login_at=timezone.now(), **home)
        return link.user
    user = User(
        username="fed-" + secrets.token_hex(6),
        display_name=str(claims.get("name") or claims.get("preferred_username") or "")[:150],
        home_library=Library.objects.filter(code=home["home_library"]).first(),
    )
    user.set_unusable_password()
    user.save()
    SsoLink.objects.create(
        issuer=issuer, subject=claims["sub"], user=user, last_login_at=timezone.now(), **home
    )
    audit.record(SYSTEM, "federation.sso_linked", user, issuer=issuer, home=home["home_node"])
    return user


def home_claims(user: User) -> dict | None:
    """``settings.OIDC_HOME_CLAIMS``: a linked reader's home is the one the upstream named."""
    link = SsoLink.objects.filter(user=user).order_by("pk").first()
    if link is None:
        return None
    return {
        "home_library": link.home_library or None,
        "home_library_name": link.home_library_name or None,
        "home_node": link.home_node,
    }


def end_session_url(registration: SsoUpstream, id_token: str) -> str:
    """RP-initiated logout at the provider (OIDC RP-Initiated Logout 1.0 §2)."""
    query = urlencode(
        {
            "id_token_hint": id_token,
            "client_id": registration.client_id,
            "post_logout_redirect_uri": base_url() + LOGGED_OUT,
        }
    )
    return discovery(registration.issuer)["end_session_endpoint"] + "?" + query


def login_choices(request, next_url: str) -> list[dict]:
    """``settings.LOGIN_UPSTREAMS``: the login page's "log in with the parent's account".

    The first call registers this node at its parent (one signed call); if the parent cannot
    be reached the button still shows, with the parent node's own name.
    """
    parent = Node.parent()
    if parent is None:
        return []
    try:
        name = upstream().label or parent.name
    except (ServiceError, requests.RequestException, ValueError, KeyError) as exc:
        log.warning("no client registration at %s yet: %s", parent.base_url, exc)
        name = parent.name
    label = _("%(node)s account login") % {"node": name}
    query = urlencode({"next": next_url}) if next_url else ""
    return [{"label": label, "url": "/federation/sso/login/" + ("?" + query if query else "")}]


def refresh_registration(parent: Node, progress=None) -> str:
    """Sync step ``sso`` (toward the parent): renew this node's client registration there."""
    registration = register_upstream(parent)
    return f"client {registration.client_id} at {registration.issuer}"


sync.register("sso", refresh_registration, direction="parent")
