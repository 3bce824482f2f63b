"""Pages of the proxy gateway: the starting point and the staff's vendor list (代理认证)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shuxiang.core.errors import ServiceError
from shuxiang.core.textfiles import text_stream
from shuxiang.network.models import Library
from shuxiang.proxy import queries, services


@login_required
def login(request):
    """``/proxy/login?url=…``: EZproxy's starting-point URL for a signed-in reader."""
    try:
        target = services.start(request.user, request.GET.get("url", ""), by=request.user)
    except ServiceError as exc:
        page = render(request, "proxy/refused.html", {"error": exc}, status=exc.status)
        return page
    return HttpResponseRedirect(target)


@login_required
@require_http_methods(["GET", "POST"])
def vendors(request):
    """Staff: vendor definitions of their libraries, stanza import, paused readers."""
    libraries = queries.staff_libraries(request.user)
    if not libraries:
        return HttpResponse(_("Only library staff manage licensed databases."), status=403)
    if request.method == "POST":
        _import(request, libraries)
        return HttpResponseRedirect(request.path)
    context = {
        "vendors": queries.vendors_for(request.user),
        "pauses": queries.pauses_for(request.user),
        "libraries": libraries,
    }
    return render(request, "proxy/vendors.html", context)


def _import(request, libraries: list[Library]) -> None:
    library = next((lib for lib in libraries if lib.code == request.POST.get("library")), None)
    upload = request.FILES.get("file")
    try:
        if library is None or upload is None:
            raise_missing(library is None)
        text = text_stream(upload, field="file").read()
        report = services.import_stanzas(text, library, by=request.user)
    except ServiceError as exc:
        for error in exc.errors or []:
            messages.error(request, f"{error.field}: {error.reason}")
        return
    messages.success(
        request,
        _("%(c)d created, %(u)d updated, %(n)d lines not applied.")
        % {"c": len(report.created), "u": len(report.updated), "n": len(report.notices)},
    )
    for notice in report.notices[:20]:
        messages.warning(
            request, f"{_('line')} {notice.line}: {notice.directive} — {notice.reason}"
        )


def raise_missing(no_library: bool) -> None:
    from shuxiang.core.errors import FieldError, ValidationFailed

    field = "library" if no_library else "file"
    reason = _("Choose a library.") if no_library else _("Choose a stanza file.")
    raise ValidationFailed(reason, [FieldError(field, reason, "required")])
