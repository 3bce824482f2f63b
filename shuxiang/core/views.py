"""Node-wide pages and probes: home, health and readiness."""

from __future__ import annotations

from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect
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
