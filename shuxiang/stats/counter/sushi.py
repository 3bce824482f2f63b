"""The COUNTER SUSHI REST API (Release 5.1) at ``/sushi/r5/``: status, members, reports.

Requests authenticate with ``api_key`` (a Shuxiang API token) or a staff session; the
``customer_id`` is a library code and the report covers that library's subtree. Problems are
answered with COUNTER exception objects and the HTTP status the SUSHI specification gives.
"""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from shuxiang.network.models import Library
from shuxiang.network.permissions import administered_libraries, is_admin_of
from shuxiang.network.queries import subtree
from shuxiang.stats.backends import get_backend
from shuxiang.stats.counter import params
from shuxiang.stats.counter.reports import build, exception, platform_name
from shuxiang.stats.counter.views import VIEWS

DATE = re.compile(r"^[0-9]{4}-[0-9]{2}(-[0-9]{2})?$", re.ASCII)


class SushiError(Exception):
    """A COUNTER exception answered with ``status``."""

    def __init__(self, status: int, code: int, message: str, data: str = ""):
        super().__init__(message)
        self.status = status
        self.body = exception(code, message, data)


def _json(data, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, safe=False, json_dumps_params={"ensure_ascii": False})


def _requestor(request: HttpRequest):
    api_key = request.GET.get("api_key", "").strip()
    if api_key:
        from shuxiang.accounts.services import user_for_token

        user = user_for_token(api_key)
        if user is not None:
            return user
        raise SushiError(401, 2000, "Requestor Not Authorized to Access Service", "api_key")
    if getattr(request.user, "is_authenticated", False):
        return request.user
    raise SushiError(401, 2000, "Requestor Not Authorized to Access Service", "api_key missing")


def _customer(request: HttpRequest, actor) -> Library:
    code = request.GET.get("customer_id", "").strip()
    if not code:
        raise SushiError(400, 1030, "Insufficient Information to Process Request", "customer_id")
    library = Library.objects.filter(code=code).first()
    if library is None or not is_admin_of(actor, library):
        raise SushiError(
            403, 2010, "Requestor is Not Authorized to Access Usage for Institution", code
        )
    return library


def parse_month(raw: str, *, end: bool) -> date:
    """``yyyy-mm`` or ``yyyy-mm-dd`` → the month's first (or, for ``end``, last) day."""
    if not DATE.match(raw):
        raise ValueError(raw)
    value = date.fromisoformat(raw + "-01" if len(raw) == 7 else raw)
    if end:
        return value.replace(day=calendar.monthrange(value.year, value.month)[1])
    return value.replace(day=1)


def last_complete_month() -> date:
    """The last day of the month before the current one (local time): the last month whose
    usage is complete."""
    return timezone.localdate().replace(day=1) - timedelta(days=1)


def _period(request: HttpRequest) -> tuple[date, date, list[dict]]:
    """(begin, end, notices): an end in the current or a future month is clipped to the last
    complete month with Exception 3031; a begin there is Exception 3020."""
    raw_begin, raw_end = request.GET.get("begin_date", ""), request.GET.get("end_date", "")
    if not raw_begin or not raw_end:
        missing = "begin_date" if not raw_begin else "end_date"
        raise SushiError(400, 1030, "Insufficient Information to Process Request", missing)
    try:
        begin, end = parse_month(raw_begin, end=False), parse_month(raw_end, end=True)
    except ValueError:
        raise SushiError(400, 3020, "Invalid Date Arguments", "use yyyy-mm or yyyy-mm-dd") from None
    if end < begin:
        raise SushiError(400, 3020, "Invalid Date Arguments", "end_date is before begin_date")
    last = last_complete_month()
    if begin > last:
        data = f"begin_date is after {last:%Y-%m}, the last month whose usage is complete"
        raise SushiError(400, 3020, "Invalid Date Arguments", data)
    notices = []
    if end > last:
        first_missing = f"{last + timedelta(days=1):%Y-%m}"
        months = (
            first_missing if first_missing == f"{end:%Y-%m}" else f"{first_missing} to {end:%Y-%m}"
        )
        notices.append(exception(3031, "Usage Not Ready for Requested Dates", months))
        end = last
    return begin, end, notices


def sushi(view_function):
    """Answer SushiError as a COUNTER exception object; only GET is allowed."""

    @require_GET
    def wrapper(request: HttpRequest, *args, **kwargs):
        try:
            return view_function(request, *args, **kwargs)
        except SushiError as error:
            return _json(error.body, status=error.status)

    wrapper.__name__ = view_function.__name__
    wrapper.__doc__ = view_function.__doc__
    return wrapper


@sushi
def status(request: HttpRequest) -> JsonResponse:
    """Server status: always one entry for this node."""
    entry = {"Description": f"COUNTER usage reports of {platform_name()}", "Service_Active": True}
    return _json([entry])


@sushi
def members(request: HttpRequest) -> JsonResponse:
    """The libraries (customers) the requestor may harvest."""
    actor = _requestor(request)
    if request.GET.get("customer_id"):
        libraries = [_customer(request, actor)]
    else:
        libraries = [lib for scope in administered_libraries(actor) for lib in subtree(scope)]
        if not libraries and getattr(actor, "is_superuser", False):
            libraries = list(Library.objects.filter(depth=0))
    if not libraries:
        raise SushiError(403, 2010, "Requestor is Not Authorized to Access Usage for Institution")
    rows = [{"Customer_ID": lib.code, "Institution_Name": lib.name} for lib in libraries[:5000]]
    return _json(rows)


def _available_months() -> dict[str, str]:
    """First and last month whose usage is processed: from the first month with usage (or,
    before any usage, the last complete month) to the last complete month."""
    last = last_complete_month()
    days = [day for day in get_backend().day_fingerprints() if day <= last]
    first = min(days, default=last)
    return {
        "First_Month_Available": first.strftime("%Y-%m"),
        "Last_Month_Available": last.strftime("%Y-%m"),
    }


@sushi
def reports(request: HttpRequest) -> JsonResponse:
    """The reports this server supports, with the months for which usage is available."""
    actor = _requestor(request)
    if request.GET.get("customer_id"):
        _customer(request, actor)
    months = _available_months()
    rows = []
    for view in VIEWS.values():
        row = {
            "Report_Name": view.name,
            "Report_ID": view.report_id,
            "Release": "5.1",
            "Report_Description": view.description,
            "Path": view.path,
        }
        rows.append({**row, **months})
    return _json(rows)


@sushi
def report(request: HttpRequest, report_id: str) -> JsonResponse:
    """One COUNTER report or standard view for ``customer_id`` over the requested months."""
    view = VIEWS.get(report_id.lower())
    if view is None:
        raise SushiError(404, 3000, "Report Not Supported", report_id)
    actor = _requestor(request)
    library = _customer(request, actor)
    begin, end, notices = _period(request)
    options = params.read(view, request.GET, platform_name())
    codes = list(subtree(library).values_list("code", flat=True))
    body = build(view, library, codes, begin, end, options)
    if not body["Report_Items"]:
        notices.append(exception(3030, "No Usage Available for Requested Dates"))
    notices.extend(options.notices)
    if notices:
        body["Report_Header"]["Exceptions"] = notices
    return _json(body)
