"""Node-wide pages and probes: home, health and readiness."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import check_for_language
from django.views.decorators.cache import never_cache

from shuxiang.core.checks import readiness


def home(request):
    """The node's front page; until the portal lands, the network overview."""
    return redirect("network:index")


@never_cache
def healthz(request):
    """Liveness: the process answers (no dependencies touched)."""
    return HttpResponse("ok\n", content_type="text/plain")


@never_cache
def readyz(request):
    """Readiness: the database (and Redis in server mode) answer and migrations are applied."""
    findings = readiness()
    ready = all(f.level == "ok" for f in findings)
    body = {
        "ready": ready,
        "checks": [{"name": f.topic, "status": f.level, "message": f.message} for f in findings],
    }
    return JsonResponse(body, status=200 if ready else 503)


def switch_language(request):
    """``GET ?language=en&next=/path``: remember the language in its cookie and go back.

    A link, not a POST form, so pages shared by every reader (the page cache) carry no
    per-reader CSRF token; switching the interface language changes nothing else.
    """
    code = request.GET.get("language", "")
    target = request.GET.get("next", "/")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = "/"
    response = HttpResponseRedirect(target)
    if code and check_for_language(code) and code in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            code,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response
