"""Provider sessions and OpenID Connect Back-Channel Logout 1.0, the provider's side.

A client system that receives a code in a browser session is noted against that session's
``sid`` (§2.1); its ID tokens carry the ``sid``. When the session ends here — the logout page,
RP-initiated logout, or :func:`end_sessions_of_key` for a logout that came from elsewhere —
each such client with a ``backchannel_logout_uri`` is sent a logout token (§2.4: a JWT signed
with the provider's RS256 key, ``typ`` ``logout+jwt``, with ``sub``, ``sid``, ``events``,
``jti``, no ``nonce``), posted after commit by a retried job (§2.5).
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from contextvars import ContextVar
from functools import partial
from importlib import import_module

import requests
from django.conf import settings
from django.db import transaction
from django.dispatch import Signal
from django.utils import timezone
from jwcrypto import jwk, jwt
from oauth2_provider.models import get_application_model
from oauth2_provider.settings import oauth2_settings

from shuxiang.accounts.models import ClientRegistration, ProviderSession, ProviderSessionClient
from shuxiang.core import audit, jobs
from shuxiang.core.actors import SYSTEM

log = logging.getLogger(__name__)

SESSION_SID = "accounts.oidc_sid"
LOGOUT_EVENT = "http://schemas.openid.net/event/backchannel-logout"
LOGOUT_TOKEN_SECONDS = 120
#: Sent with ``session_key`` and ``reason`` when a provider session ends (federation listens).
session_ended = Signal()
#: The reader's browser request at the authorization endpoint (set by the view).
authorizing_request: ContextVar = ContextVar("authorizing_request", default=None)


def _session_key(request) -> str:
    if request.session.session_key is None:
        request.session.save()
    return request.session.session_key


def sid_of(request) -> str:
    """This browser session's ``sid`` at the provider, started on first use."""
    sid = request.session.get(SESSION_SID)
    live = ProviderSession.objects.filter(sid=sid, user=request.user, ended_at__isnull=True)
    if sid and live.exists():
        return sid
    sid = secrets.token_urlsafe(24)
    ProviderSession.objects.create(sid=sid, session_key=_session_key(request), user=request.user)
    request.session[SESSION_SID] = sid
    return sid


def note_code(application, code: str) -> None:
    """The authorization endpoint gave ``application`` a code in the current browser session."""
    request = authorizing_request.get()
    if request is None or not request.user.is_authenticated:
        return
    session = ProviderSession.objects.get(sid=sid_of(request))
    ProviderSessionClient.objects.update_or_create(
        session=session, application=application, defaults={"last_code": code}
    )


def sid_for_token(oauth_request) -> str | None:
    """The ``sid`` for an ID token: that of the code's session, or the latest live one."""
    links = ProviderSessionClient.objects.filter(
        application=oauth_request.client, session__ended_at__isnull=True
    ).select_related("session")
    code = getattr(oauth_request, "code", None)
    link = (
        links.filter(last_code=code).first()
        if code
        else links.filter(session__user=oauth_request.user).order_by("-session__created_at").first()
    )
    return link.session.sid if link else None


@transaction.atomic
def end_sessions(sessions, *, except_client_id: str = "", reason: str = "logout") -> int:
    """End these provider sessions (and their browser sessions here) and tell their clients.

    The client that asked for the end (``except_client_id``) is not told again.
    """
    ended = 0
    for session in sessions.select_for_update().filter(ended_at__isnull=True):
        session.ended_at = timezone.now()
        session.save(update_fields=["ended_at"])
        ended += 1
        import_module(settings.SESSION_ENGINE).SessionStore(session.session_key).delete()
        transaction.on_commit(
            partial(session_ended.send, None, session_key=session.session_key, reason=reason)
        )
        audit.record(SYSTEM, "accounts.end_provider_session", session.user, reason=reason)
        for link in session.clients.select_related("application"):
            if link.application.client_id == except_client_id:
                continue
            registration = ClientRegistration.objects.filter(application=link.application).first()
            if registration and registration.backchannel_logout_uri:
                payload = {"session": session.pk, "application": link.application_id}
                jobs.defer("accounts.backchannel_logout", payload, library=registration.library)
    return ended


def end_sessions_of_key(session_key: str, *, except_client_id: str = "", reason: str) -> int:
    """End the provider sessions held by the Django session ``session_key``."""
    sessions = ProviderSession.objects.filter(session_key=session_key)
    return end_sessions(sessions, except_client_id=except_client_id, reason=reason)


def on_logged_out(sender, request=None, user=None, **kwargs) -> None:
    """``user_logged_out``: the browser session ends here, so do its provider sessions."""
    if request is None or not hasattr(request, "session"):
        return
    sid = request.session.get(SESSION_SID)
    key = request.session.session_key
    sessions = ProviderSession.objects.filter(sid=sid) if sid else None
    if sessions is None and key:
        sessions = ProviderSession.objects.filter(session_key=key)
    if sessions is not None:
        end_sessions(sessions, reason="logout")


def _signing_key() -> jwk.JWK:
    return jwk.JWK.from_pem(oauth2_settings.OIDC_RSA_PRIVATE_KEY.encode())


def logout_token(session: ProviderSession, client_id: str, *, issuer: str) -> str:
    """A signed logout token (Back-Channel Logout 1.0 §2.4) for ``client_id``."""
    key, now = _signing_key(), int(time.time())
    claims = {
        "iss": issuer,
        "aud": client_id,
        "iat": now,
        "exp": now + LOGOUT_TOKEN_SECONDS,
        "jti": secrets.token_urlsafe(16),
        "sub": str(session.user.public_id),
        "sid": session.sid,
        "events": {LOGOUT_EVENT: {}},
    }
    header = {"alg": "RS256", "typ": "logout+jwt", "kid": key.thumbprint()}
    token = jwt.JWT(header=json.dumps(header), claims=json.dumps(claims))
    token.make_signed_token(key)
    return token.serialize()


def deliver_logout(job) -> None:
    """Job ``accounts.backchannel_logout``: post the logout token to the client's endpoint."""
    session = ProviderSession.objects.select_related("user").get(pk=job.payload["session"])
    app = get_application_model().objects.get(pk=job.payload["application"])
    uri = ClientRegistration.objects.get(application=app).backchannel_logout_uri
    token = logout_token(session, app.client_id, issuer=oauth2_settings.oidc_issuer(None))
    http = requests.Session()
    http.trust_env = False
    response = http.post(uri, data={"logout_token": token}, timeout=10)
    if 400 <= response.status_code < 500:
        raise jobs.Permanent(f"{uri} refused the logout token: {response.text[:300]}")
    response.raise_for_status()
