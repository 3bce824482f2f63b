"""Single logout across nodes (统一退出): every node that shared the reader's session ends it.

- Down the tree, OpenID Connect Back-Channel Logout 1.0: the parent's provider posts a logout
  token to ``/federation/sso/backchannel-logout/``; it is checked here (§2.6: signature by the
  parent's RS256 key, ``iss``, ``aud``, ``iat``, the ``events`` member, no ``nonce``, ``sid`` or
  ``sub``, and a ``jti`` never seen before), the matching sessions end, and this node's own
  provider tells its children in turn.
- Up the tree, where the specification has no back channel: in the browser, RP-initiated
  logout (the local logout page redirects to the parent's ``end_session_endpoint`` with the ID
  token as hint); and for a session that ends here any other way (a logout that came down from
  a child through this node's provider), a signed peer call
  ``POST /federation/peer/sso/logout`` asks the parent to end the session named by ``sid``.
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from importlib import import_module

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from joserfc import jws, jwt
from joserfc.errors import JoseError

from shuxiang.accounts import oidc_sessions
from shuxiang.core import audit, jobs
from shuxiang.core.actors import SYSTEM
from shuxiang.federation.models import Node, SeenNonce, SsoSession, SsoUpstream
from shuxiang.federation.sso import CLOCK_SKEW, SsoRefused, decode_signed

log = logging.getLogger("shuxiang.federation")
LOGOUT_EVENT = oidc_sessions.LOGOUT_EVENT


def _refuse(field: str, reason: str) -> SsoRefused:
    log.warning("back-channel logout refused: %s: %s", field, reason)
    return SsoRefused.single(field, reason, "logout_token")


def logout_claims(token: str) -> tuple[SsoUpstream, dict]:
    """The checked claims of a logout token from a provider this node is a client of."""
    try:
        unverified = json.loads(jws.extract_compact(token.encode()).payload) if token else {}
    except (JoseError, ValueError) as exc:
        raise _refuse("logout_token", _("It is not a JWT: %s") % exc) from None
    issuer = unverified.get("iss") if isinstance(unverified, dict) else None
    registration = SsoUpstream.objects.filter(issuer=str(issuer or "")).first()
    if registration is None:
        raise _refuse("iss", _("This node is not a client of that issuer."))
    claims = dict(decode_signed(token, registration.issuer).claims)
    try:
        jwt.JWTClaimsRegistry(
            leeway=CLOCK_SKEW,
            iss={"essential": True, "value": registration.issuer},
            aud={"essential": True, "value": registration.client_id},
            iat={"essential": True},
            jti={"essential": True},
        ).validate(claims)
    except JoseError as exc:
        raise _refuse("logout_token", str(exc)) from None
    if abs(timezone.now().timestamp() - claims["iat"]) > 300:
        raise _refuse("iat", _("The token was issued too long ago."))
    if LOGOUT_EVENT not in (claims.get("events") or {}):
        raise _refuse("events", _("The token is not a logout token."))
    if "nonce" in claims:
        raise _refuse("nonce", _("A logout token must not carry a nonce."))
    if not claims.get("sid") and not claims.get("sub"):
        raise _refuse("sid", _("The token names neither a session nor a person."))
    return registration, claims


def _remember_jti(issuer: str, jti: str) -> None:
    expires = timezone.now() + timedelta(minutes=10)
    try:
        with transaction.atomic():
            SeenNonce.objects.create(key_id="sso:" + issuer[:200], nonce=jti[:200], expires=expires)
    except IntegrityError:
        raise _refuse("jti", _("This logout token was already used.")) from None


def receive_backchannel_logout(token: str) -> int:
    """Back-channel logout from the parent: end the sessions it names; how many ended."""
    registration, claims = logout_claims(token)
    _remember_jti(registration.issuer, claims["jti"])
    sessions = SsoSession.objects.filter(issuer=registration.issuer, ended_at__isnull=True)
    if claims.get("sid"):
        sessions = sessions.filter(sid=claims["sid"])
    if claims.get("sub"):
        sessions = sessions.filter(subject=claims["sub"])
    return end_local_sessions(sessions, tell_parent=False, reason="backchannel_logout")


def _delete_django_session(session_key: str) -> None:
    store = import_module(settings.SESSION_ENGINE).SessionStore
    store(session_key=session_key).delete()


@transaction.atomic
def end_local_sessions(sessions, *, tell_parent: bool, reason: str) -> int:
    """End these federated sessions here, on this node's provider, and (maybe) at the parent."""
    ended = 0
    for session in sessions.select_for_update():
        if session.ended_at is not None:
            continue
        session.ended_at = timezone.now()
        session.save(update_fields=["ended_at"])
        _delete_django_session(session.session_key)
        oidc_sessions.end_sessions_of_key(session.session_key, reason=reason)
        if tell_parent and session.sid:
            jobs.defer("federation.sso_parent_logout", {"session": session.pk})
        audit.record(SYSTEM, "federation.sso_session_ended", session, reason=reason)
        ended += 1
    return ended


def on_logged_out(sender, request=None, user=None, **kwargs) -> None:
    """``user_logged_out`` here: the parent is asked to end the session it shares (signed)."""
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        sessions = SsoSession.objects.filter(session_key=key)
        end_local_sessions(sessions, tell_parent=True, reason="logout")


def tell_parent(job) -> None:
    """Job ``federation.sso_parent_logout``: signed ``POST /federation/peer/sso/logout``."""
    from shuxiang.federation.signing import peer_session

    session = SsoSession.objects.get(pk=job.payload["session"])
    registration = SsoUpstream.objects.select_related("node").get(issuer=session.issuer)
    node = registration.node
    answer = peer_session(node).post(
        node.base_url + "/federation/peer/sso/logout", json={"sid": session.sid}
    )
    if 400 <= answer.status_code < 500:
        raise jobs.Permanent(f"{node.base_url} refused the logout: {answer.text[:300]}")
    answer.raise_for_status()


def parent_logout_from_child(node: Node, sid: str) -> int:
    """A child asks (signed) to end provider session ``sid`` its client took part in."""
    from shuxiang.accounts.models import ProviderSession

    client = getattr(getattr(node, "sso_client", None), "application", None)
    if client is None:
        raise SsoRefused.single("node", _("This node has no client registration here."))
    sessions = ProviderSession.objects.filter(sid=str(sid)[:64], clients__application=client)
    return oidc_sessions.end_sessions(
        sessions, except_client_id=client.client_id, reason="child_logout"
    )


def on_provider_session_ended(sender, session_key: str = "", reason: str = "", **kwargs) -> None:
    """A provider session here ended: so does the session this node holds at its parent."""
    sessions = SsoSession.objects.filter(session_key=session_key, ended_at__isnull=True)
    end_local_sessions(sessions, tell_parent=reason != "backchannel_logout", reason=reason)
