"""Pages of the proxy gateway: the starting point and the staff's vendor list (代理认证)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shuxiang.core import options
from shuxiang.core.errors import ServiceError
from shuxiang.core.textfiles import text_stream
from shuxiang.network.models import Library
from shuxiang.proxy import check, ports, queries, services
from shuxiang.proxy.forms import VendorForm


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
        "default_limit": options.value("PROXY_PDF_LIMIT_PER_HOUR"),
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


@login_required
@require_http_methods(["GET", "POST"])
def vendor(request, pk: int):
    """Staff: change a definition (patterns for COUNTER, limit, egress, signed hand-off)."""
    row = get_object_or_404(queries.vendors_for(request.user), pk=pk)
    form = VendorForm.for_vendor(row, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_vendor(row.pk, form.service_data(), by=request.user)
        except ServiceError as exc:
            form.show_service_error(exc)
        else:
            messages.success(request, _("Saved."))
            return HttpResponseRedirect(reverse("proxy:vendors"))
    status = 400 if form.errors else 200
    return render(request, "proxy/vendor.html", {"vendor": row, "form": form}, status=status)


@login_required
@require_http_methods(["POST"])
def lift(request, pk: int):
    """Staff: let a paused reader use the vendor again."""
    row = get_object_or_404(queries.pauses_for(request.user), pk=pk)
    try:
        services.lift(row.pk, by=request.user)
    except ServiceError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The pause of %(reader)s is lifted.") % {"reader": row.user})
    return HttpResponseRedirect(reverse("proxy:vendors"))


@login_required
def configuration(request):
    """Staff: does the wildcard DNS name resolve, does the certificate cover it."""
    if not queries.staff_libraries(request.user):
        return HttpResponse(_("Only library staff manage licensed databases."), status=403)
    domain = options.value("PROXY_DOMAIN")
    scheme = options.value("PROXY_GATEWAY_SCHEME")
    try:
        findings, by_port, listen = [], ports.by_port(), ports.port_range()
    except ImproperlyConfigured as exc:
        findings, by_port, listen = [check.Finding(False, "mode", str(exc))], True, range(0, 1)
    if by_port and listen != range(0, 1):
        findings = check.check_ports(ports.node_host(), listen, scheme=scheme, timeout=3)
    elif domain:
        port = options.value("PROXY_GATEWAY_PORT") if scheme == "https" else 0
        findings = check.check(domain, scheme=scheme, port=port, timeout=3)
    context = {
        "domain": domain, "findings": findings, "by_port": by_port,
        "first": listen[0], "last": listen[-1], "node_host": ports.node_host(),
    }  # fmt: skip
    return render(request, "proxy/configuration.html", context)
