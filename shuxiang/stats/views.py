"""Pages of the operations platform: tier dashboards, exports, assessment, weights, outages.

Views are thin: they parse the request, call the scoped services and render; a figure outside
the viewer's subtree answers 403.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shuxiang.core.errors import PermissionDenied, ServiceError, ValidationFailed
from shuxiang.stats import exports, indicators, monitoring, services
from shuxiang.stats.dashboard import dashboard_data, export_sheets
from shuxiang.stats.permissions import home_scope


def _forbidden(request: HttpRequest, error: ServiceError) -> HttpResponse:
    status = getattr(error, "status", 403)
    return render(request, "core/forbidden.html", {"reason": str(error)}, status=status)


def _period(request: HttpRequest):
    try:
        return services.period(request.GET.get("begin"), request.GET.get("end"))
    except ServiceError as error:
        messages.error(request, str(error))
        return services.period(None, None)


@login_required
def dashboard(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """The dashboard of a library's subtree (national, provincial or city tier)."""
    try:
        library = services.scoped(request.user, code) if code else home_scope(request.user)
    except ServiceError as error:
        return _forbidden(request, error)
    first, last = _period(request)
    context = dashboard_data(request.user, library, first, last)
    return render(request, "stats/dashboard.html", context)


@login_required
def dashboard_export(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """The dashboard's tables as CSV (comparison only) or XLSX (every table)."""
    try:
        library = services.scoped(request.user, code)
    except ServiceError as error:
        return _forbidden(request, error)
    first, last = _period(request)
    sheets = export_sheets(request.user, library, first, last)
    name = f"usage-{library.code}-{first}-{last}"
    if fmt == "csv":
        title, header, rows = sheets[0]
        return exports.csv_response(name, header, rows)
    return exports.xlsx_response(name, sheets)


@login_required
def assessment(request: HttpRequest, code: str) -> HttpResponse:
    """The annual assessment report of a library (HTML, or XLSX with ?format=xlsx)."""
    try:
        library = services.scoped(request.user, code)
        year = int(request.GET.get("year") or date.today().year)
        report = indicators.assessment(request.user, library, year)
    except ValueError:
        messages.error(request, _("year: give a year like 2026."))
        return redirect("stats:assessment", code=code)
    except ValidationFailed as error:
        messages.error(request, f"year: {error.message}")
        return redirect("stats:assessment", code=code)
    except ServiceError as error:
        return _forbidden(request, error)
    if request.GET.get("format") == "xlsx":
        header = [_("Indicator"), _("Value"), _("Best peer"), _("Scaled"), _("Weight"), _("Points")]
        rows = [
            [
                str(r["indicator"].label),
                r["value"],
                r["best"],
                r["scaled"],
                float(r["weight"]),
                r["contribution"],
            ]
            for r in report["rows"]
        ]
        rows.append([_("Score"), "", "", "", "", report["score"]])
        return exports.xlsx_response(
            f"assessment-{library.code}-{year}", [(str(year), header, rows)]
        )
    return render(request, "stats/assessment.html", {"report": report})


@login_required
def weights(request: HttpRequest) -> HttpResponse:
    """Indicator weights: everyone with figures may read them, national admins edit."""
    if request.method == "POST":
        data = {i.code: request.POST.get(i.code, "") for i in indicators.INDICATORS}
        try:
            indicators.set_weights(request.user, data)
        except PermissionDenied as error:
            return _forbidden(request, error)
        except ServiceError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("stats:weights")
    current = indicators.weights()
    rows = [(i, current[i.code]) for i in indicators.INDICATORS]
    editable = indicators.is_national_admin(request.user)
    return render(request, "stats/weights.html", {"rows": rows, "editable": editable})


@login_required
def outages(request: HttpRequest, code: str | None = None) -> HttpResponse:
    """Outage timeline of the platforms and nodes in a library's subtree."""
    try:
        library = services.scoped(request.user, code) if code else home_scope(request.user)
    except ServiceError as error:
        return _forbidden(request, error)
    context = monitoring.timeline(request.user, library)
    return render(request, "stats/outages.html", context)
