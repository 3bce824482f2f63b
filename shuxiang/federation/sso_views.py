"""Pages and endpoints of one identity across nodes: log in through the parent, single logout."""

from __future__ import annotations

import json
import logging

import requests
from authlib.common.errors import AuthlibBaseError
from django.contrib import messages
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from shuxiang.accounts.views import UPSTREAM_LOGOUT, _safe_next, start_session
from shuxiang.core.errors import ServiceError
from shuxiang.core.http import base_url
from shuxiang.federation import sso, sso_logout, sso_provider
from shuxiang.federation.models import SsoSession
from shuxiang.federation.signing import signed_endpoint

log = logging.getLogger("shuxiang.federation")
UNREACHABLE = (requests.RequestException, AuthlibBaseError, ValueError, KeyError)


def _failed(request, message: str, status: int):
    return render(request, "federation/sso_error.html", {"message": message}, status=status)


@never_cache
@require_GET
def login_view(request):
    """Go to the parent node's provider to log in (国家图书馆账号登录)."""
    try:
        url = sso.begin_login(request.session, _safe_next(request, ""))
    except ServiceError as exc:
        return _failed(request, exc.message, exc.status)
    except UNREACHABLE as exc:
        log.warning("parent provider unreachable: %s", exc)
        return _failed(request, _("The parent node cannot be reached; try again later."), 502)
    return redirect(url)


@never_cache
@require_GET
def callback_view(request):
    """Back from the provider: check its answer, link the account, start the session."""
    callback = base_url() + sso.CALLBACK + "?" + request.GET.urlencode()
    try:
        arrival = sso.finish_login(request.session, callback, request.GET)
    except ServiceError as exc:
        reasons = "; ".join(e.reason for e in exc.errors) or exc.message
        return _failed(request, reasons, 400)
    except UNREACHABLE as exc:
        log.warning("login through the parent failed: %s", exc)
        return _failed(request, _("The parent node's answer could not be checked."), 502)
    start_session(request, arrival.user, remember=False)
    SsoSession.objects.create(
        issuer=arrival.registration.issuer,
        sid=str(arrival.claims.get("sid", ""))[:64],
        subject=arrival.claims["sub"],
        session_key=request.session.session_key,
    )
    request.session[UPSTREAM_LOGOUT] = sso.end_session_url(arrival.registration, arrival.id_token)
    return redirect(arrival.next_url or "accounts:me")


@require_GET
def logged_out_view(request):
    """Where the parent's provider sends the browser after RP-initiated logout."""
    messages.success(request, _("You are logged out here and at the node you logged in with."))
    return redirect("/")


def _json(status: int, **data):
    response = JsonResponse(data, status=status)
    response["Cache-Control"] = "no-store"
    return response


@csrf_exempt
@require_POST
def backchannel_logout_view(request):
    """OpenID Connect Back-Channel Logout 1.0 §2.5: the parent's provider ends a session."""
    try:
        ended = sso_logout.receive_backchannel_logout(request.POST.get("logout_token", ""))
    except ServiceError as exc:
        reason = "; ".join(f"{e.field}: {e.reason}" for e in exc.errors) or exc.message
        return _json(400, error="invalid_request", error_description=reason)
    return _json(200, ended=ended)


def _body(request) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@signed_endpoint
@require_POST
def peer_client_view(request):
    """Signed: an approved child node gets its client registration at this node's provider."""
    try:
        return _json(200, **sso_provider.client_for_child(request.federation_node))
    except ServiceError as exc:
        return _json(exc.status, **exc.as_dict())


@signed_endpoint
@require_POST
def peer_logout_view(request):
    """Signed: a child node ends here the session named by ``sid`` (it logged out there)."""
    sid = _body(request).get("sid")
    if not isinstance(sid, str) or not sid:
        error = {"field": "sid", "reason": _("Name the session (sid)."), "code": "required"}
        return _json(400, detail=_("The logout cannot be done."), errors=[error])
    try:
        ended = sso_logout.parent_logout_from_child(request.federation_node, sid)
    except ServiceError as exc:
        return _json(exc.status, **exc.as_dict())
    return _json(200, ended=ended)
