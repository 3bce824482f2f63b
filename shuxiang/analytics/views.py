"""Pages of analytics (/analytics/): behaviour reports per tier, job runs, reader preference."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from shuxiang.analytics import queries, services
from shuxiang.analytics.models import JobRun
from shuxiang.core.errors import PermissionDenied, ServiceError
from shuxiang.network.scopes import unrestricted
from shuxiang.stats.permissions import home_scope, is_national_admin
from shuxiang.stats.services import scoped


def _forbidden(request: HttpRequest, error: ServiceError) -> HttpResponse:
    status = getattr(error, "status", 403)
    return render(request, "core/forbidden.html", {"reason": str(error)}, status=status)


WEEKDAY_NAMES = (
    gettext_lazy("Mon"),
    gettext_lazy("Tue"),
    gettext_lazy("Wed"),
    gettext_lazy("Thu"),
    gettext_lazy("Fri"),
    gettext_lazy("Sat"),
    gettext_lazy("Sun"),
)


def _chart(context: dict) -> dict:
    return {
        "weekdays": [str(name) for name in WEEKDAY_NAMES],
        "heat": [
            [hour, day, value]
            for day, row in enumerate(context["heatmap"]["rows"][:7])
            for hour, value in enumerate(row[:24])
            if value is not None
        ],
        "channels": [[k, v] for k, v in context["channels"]["rows"] if v is not None],
        "types": [[k, v] for k, v in context["types"]["rows"] if v is not None],
    }


def _total() -> str:
    return str(gettext_lazy("Total"))


@login_required
def reports(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Reader behaviour of a library's subtree (national, provincial, city tier)."""
    try:
        library = scoped(request.user, code) if code else home_scope(request.user)
        context = queries.report(request.user, library)
    except ServiceError as error:
        return _forbidden(request, error)
    context["chart"] = _chart(context)
    context["hours"] = range(24)
    names = [str(name) for name in WEEKDAY_NAMES]
    context["heat_rows"] = list(zip([*names, _total()], context["heatmap"]["rows"], strict=True))
    return render(request, "analytics/reports.html", context)


@login_required
def job_runs(request: HttpRequest) -> HttpResponse:
    """The latest analytics job runs: progress, duration, failures and retries (staff)."""
    if not (unrestricted(request.user) or is_national_admin(request.user)):
        return _forbidden(request, PermissionDenied("Only national administrators see job runs."))
    runs = JobRun.objects.all()[:100]
    return render(request, "analytics/jobs.html", {"runs": runs})


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    """A reader turns personal recommendations off or on."""
    if request.method == "POST":
        services.set_opt_out(request.user, request.POST.get("opt_out") == "1", by=request.user)
        return redirect("analytics:preferences")
    opted_out = services.is_opted_out(request.user)
    return render(request, "analytics/preferences.html", {"opted_out": opted_out})
