"""Account pages: log in, register, my account (download / delete), card QR, staff reader list."""

from __future__ import annotations

import json
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as django_login
from django.contrib.auth import logout as django_logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shuxiang.accounts import (
    cards,
    inbox,
    login,
    oidc,
    privacy,
    registration,
    services,
    staff,
    totp,
)
from shuxiang.accounts.models import User
from shuxiang.core.errors import NotFound, ServiceError
from shuxiang.core.http import client_ip
from shuxiang.core.middleware import CSP
from shuxiang.network.models import Library

BACKEND = "shuxiang.accounts.authentication.IdentifierBackend"
#: Session key: where to end the session at an upstream provider after a local logout.
UPSTREAM_LOGOUT = "accounts.upstream_logout"


def _library(code: str | None) -> Library | None:
    return Library.objects.filter(code=code).first() if code else None


def _safe_next(request, fallback: str = "/") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return fallback


def _errors(exc: ServiceError) -> dict[str, str]:
    return {e.field: e.reason for e in exc.errors} or {"general": exc.message}


def start_session(request, user, *, remember: bool) -> None:
    """Log ``user`` in (new session key: no fixation); remember-me = two weeks."""
    django_login(request, user, backend=BACKEND)
    request.session.set_expiry(login.REMEMBER_ME_SECONDS if remember else 0)


def login_view(request):
    """Log in with card number, mobile, username or ID number plus password."""
    errors, values, status = {}, {}, 200
    if request.method == "POST":
        values = request.POST
        try:
            step = login.first_step(
                request.POST.get("identifier", ""),
                request.POST.get("password", ""),
                library=_library(request.POST.get("library")),
                source=client_ip(request),
            )
        except ServiceError as exc:
            errors, status = _errors(exc), exc.status
        else:
            remember = bool(request.POST.get("remember"))
            if step.needs_code:
                return _ask_for_second_factor(request, step.user, remember)
            start_session(request, step.user, remember=remember)
            return redirect(_safe_next(request, "accounts:me"))
    libraries = Library.objects.filter(identity_sources__enabled=True).distinct()
    context = {
        "errors": errors,
        "values": values,
        "next": _safe_next(request, ""),
        "libraries": libraries,
        "upstreams": _upstreams(request),
    }
    return _may_end_at_client(
        render(request, "accounts/login.html", context, status=status), context["next"]
    )


def _may_end_at_client(response, next_url: str):
    """Let the form's redirect chain end at an OIDC client when ``next`` authorizes one."""
    from shuxiang.accounts.oidc_urls import policy_for_next

    policy = policy_for_next(next_url)
    if policy is not None:
        response.headers["Content-Security-Policy"] = policy
    return response


def _upstreams(request) -> list[dict]:
    """Other providers to log in through (``settings.LOGIN_UPSTREAMS``, e.g. the parent node)."""
    hook = getattr(settings, "LOGIN_UPSTREAMS", "")
    return import_string(hook)(request, _safe_next(request, "")) if hook else []


PENDING = "accounts.pending_second_factor"
PENDING_SECONDS = 300


def _ask_for_second_factor(request, user, remember: bool):
    request.session[PENDING] = {
        "user": user.pk,
        "remember": remember,
        "next": _safe_next(request, ""),
        "at": time.time(),
    }
    page = render(request, "accounts/otp.html", {"errors": {}})
    return _may_end_at_client(page, request.session[PENDING]["next"])


def otp_view(request):
    """Second step of a staff login: the TOTP code."""
    pending = request.session.get(PENDING)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        return redirect("login")
    if request.method != "POST":
        return _may_end_at_client(
            render(request, "accounts/otp.html", {"errors": {}}), pending["next"]
        )
    user = User.objects.filter(pk=pending["user"], is_active=True).first()
    if user is None:
        request.session.pop(PENDING, None)
        return redirect("login")
    try:
        login.second_step(user, request.POST.get("otp", ""), source=client_ip(request))
    except ServiceError as exc:
        page = render(request, "accounts/otp.html", {"errors": _errors(exc)}, status=exc.status)
        return _may_end_at_client(page, pending["next"])
    del request.session[PENDING]
    start_session(request, user, remember=pending["remember"])
    return redirect(pending["next"] or "accounts:me")


@login_required
def totp_setup_view(request):
    """Staff: switch on the TOTP second factor (scan the code, confirm with a first code)."""
    errors = {}
    if request.method == "POST":
        try:
            totp.confirm_enrolment(request.user, request.POST.get("otp", ""), by=request.user)
        except ServiceError as exc:
            errors = _errors(exc)
        else:
            messages.success(request, _("Second factor switched on."))
            return redirect("accounts:me")
    try:
        secret, uri = totp.begin_enrolment(request.user, by=request.user)
    except ServiceError as exc:
        return render(request, "accounts/totp_setup.html", {"denied": exc.message}, status=403)
    context = {"secret": secret, "svg": cards.qr_svg(uri), "errors": errors}
    return render(request, "accounts/totp_setup.html", context, status=400 if errors else 200)


@require_POST
def logout_view(request):
    """Log out here; a session begun at an upstream provider ends there too (RP-initiated)."""
    upstream = request.session.get(UPSTREAM_LOGOUT)
    django_logout(request)
    if not upstream:
        return redirect("/")
    response = redirect(upstream)
    origin = "/".join(upstream.split("/", 3)[:3])
    policy = CSP.replace("form-action 'self'", f"form-action 'self' {origin}")
    response.headers["Content-Security-Policy"] = policy
    return response


def register_view(request):
    """Quick (mobile) or real-name (name + resident ID) registration."""
    kind = request.POST.get("kind") or request.GET.get("kind") or "quick"
    errors, values = {}, {}
    if request.method == "POST":
        values = request.POST
        try:
            if kind == "real_name":
                user = registration.register_real_name(
                    values.get("real_name", ""),
                    values.get("id_number", ""),
                    values.get("password", ""),
                    mobile=values.get("mobile", ""),
                    library=_library(values.get("library")),
                )
            else:
                user = registration.register_quick(
                    values.get("mobile", ""),
                    values.get("password", ""),
                    library=_library(values.get("library")),
                )
        except ServiceError as exc:
            errors = _errors(exc)
        else:
            start_session(request, user, remember=False)
            messages.success(request, _("Welcome! Your account is ready."))
            return redirect("accounts:me")
    context = {
        "kind": kind,
        "errors": errors,
        "values": values,
        "libraries": Library.objects.filter(status=Library.Status.ACTIVE)[:500],
    }
    return render(request, "accounts/register.html", context, status=400 if errors else 200)


@login_required
def me_view(request):
    """My account: masked personal data, cards, real-name status, download and delete."""
    context = {
        "me": staff.masked(request.user),
        "is_staff_member": bool(staff.staff_libraries(request.user)),
        "has_second_factor": totp.required_for(request.user),
        "tokens": services.tokens_of(request.user, by=request.user),
    }
    return render(request, "accounts/me.html", context)


@login_required
def inbox_view(request):
    """My messages (站内信) from every part of the node, newest first; seen ones are marked read."""
    rows = list(inbox.messages_of(request.user))
    inbox.mark_read(request.user)
    return render(request, "accounts/inbox.html", {"rows": rows})


@login_required
@require_POST
def revoke_token_view(request, token_id: int):
    """My account: revoke one of my API tokens."""
    try:
        services.revoke_api_token(token_id, by=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The token was revoked."))
    return redirect("accounts:me")


@login_required
def download_view(request):
    data = privacy.export_data(request.user, by=request.user)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = 'attachment; filename="shuxiang-my-data.json"'
    return response


@login_required
@require_POST
def delete_view(request):
    try:
        privacy.erase_account(request.user, request.POST.get("password", ""), by=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("accounts:me")
    django_logout(request)
    messages.success(request, _("Your personal data was deleted."))
    return redirect("/")


@login_required
def card_view(request):
    """The virtual reader card: a QR code valid for a few minutes."""
    token = cards.issue_card_token(request.user, by=request.user)
    return render(request, "accounts/card.html", {"token": token, "svg": cards.qr_svg(token.value)})


@login_required
def readers_view(request):
    """Staff: readers of the libraries they manage, masked."""
    try:
        readers = staff.readers_visible_to(request.user).order_by("-date_joined")
    except ServiceError as exc:
        return render(request, "accounts/readers.html", {"denied": exc.message}, status=403)
    page = Paginator(readers, 50).get_page(request.GET.get("page"))
    rows = [staff.masked(reader) for reader in page]
    return render(request, "accounts/readers.html", {"page": page, "rows": rows})


@login_required
def reader_view(request, public_id):
    """Staff: one reader's personal data in clear (written to the audit log)."""
    try:
        data = staff.view_personal_data(request.user, public_id, purpose="reader page")
    except NotFound as exc:
        raise Http404(exc.message) from None
    except ServiceError as exc:
        return render(request, "accounts/readers.html", {"denied": exc.message}, status=403)
    return render(request, "accounts/reader.html", {"reader": data})


@login_required
def clients_view(request):
    """Library admins: client systems (ILS, vendor platforms) that log readers in by SSO."""
    from shuxiang.network import scopes

    mine = Library.objects.filter(scopes.in_scope(request.user)).order_by("path")[:500]
    errors, values, created = {}, {}, None
    if request.method == "POST":
        values = request.POST
        try:
            library = Library.objects.filter(code=values.get("library", "")).first()
            if library is None:
                raise NotFound(_("Choose the library the client system serves."))
            app, secret = oidc.register_client(
                library,
                values.get("name", ""),
                values.get("redirect_uris", "").split(),
                post_logout_redirect_uris=values.get("post_logout_redirect_uris", "").split(),
                by=request.user,
            )
        except ServiceError as exc:
            errors = _errors(exc)
        else:
            created, values = {"client_id": app.client_id, "client_secret": secret}, {}
    context = {
        "libraries": mine,
        "clients": oidc.clients_of(request.user),
        "errors": errors,
        "values": values,
        "created": created,
    }
    return render(request, "accounts/clients.html", context, status=400 if errors else 200)
