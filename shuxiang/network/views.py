"""Pages of the library network: overview by province, a library, the admission queue."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shuxiang.core.errors import ServiceError
from shuxiang.network import queries, scopes, services
from shuxiang.network.forms import ApplicationForm, LibraryForm
from shuxiang.network.models import Admission, Library


def _visible(request):
    return Library.objects.filter(
        Q(status__in=(Library.Status.ACTIVE, Library.Status.SUSPENDED))
        | scopes.in_scope(request.user)
    )


def network_index(request):
    """Libraries by province with counts per level."""
    national = Library.objects.filter(level=Library.Level.NATIONAL).first()
    totals = queries.level_totals()
    return render(
        request,
        "network/index.html",
        {
            "national": national,
            "provinces": queries.counts_by_province(),
            "totals": [(label, totals[v]) for v, label in Library.Level.choices if v in totals],
        },
    )


def library_detail(request, code: str):
    """One library: where it sits, its network, and the libraries below it."""
    library = (
        _visible(request).select_related("parent", "division").filter(code=code.upper()).first()
    )
    if library is None:
        raise Http404(_("No library has the code %(code)s.") % {"code": code})
    children = _visible(request).filter(parent=library).order_by("level", "code")
    page = Paginator(children, 60).get_page(request.GET.get("page"))
    return render(
        request,
        "network/library.html",
        {
            "library": library,
            "ancestors": queries.ancestors(library),
            "children": page,
            "subtree_counts": _level_counts(library),
            "can_admin": scopes.covers(request.user, library),
            "pending": library.admissions.filter(outcome=Admission.Outcome.PENDING).first(),
            "can_decide": library.parent is not None
            and scopes.covers(request.user, library.parent),
        },
    )


def _level_counts(library: Library) -> list[tuple[str, int]]:
    rows = (
        queries.subtree(library, include_self=False)
        .filter(status=Library.Status.ACTIVE)
        .values("level")
        .annotate(n=Count("id"))
        .order_by()
    )
    counts = {row["level"]: row["n"] for row in rows}
    return [(label, counts[value]) for value, label in Library.Level.choices if value in counts]


@login_required
def admission_queue(request):
    """Pending applications below the libraries the staff member administers."""
    in_scope = Library.objects.filter(scopes.in_scope(request.user))
    pending = Admission.objects.filter(
        outcome=Admission.Outcome.PENDING, library__in=in_scope
    ).select_related("library", "library__parent", "applied_by")
    return render(request, "network/admissions.html", {"pending": pending})


@login_required
@require_POST
def decide_admission(request, code: str):
    """Approve or reject an application (the service checks the permission)."""
    library = Library.objects.filter(code=code.upper()).first()
    if library is None:
        raise Http404
    try:
        if request.POST.get("decision") == "approve":
            services.approve_admission(library, by=request.user)
            messages.success(request, _("%(name)s was admitted.") % {"name": library.name})
        else:
            services.reject_admission(
                library, by=request.user, reason=request.POST.get("reason", "")
            )
            messages.success(request, _("%(name)s was rejected.") % {"name": library.name})
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("network:admissions")


@login_required
def edit_library(request, code: str):
    """Edit a library's details, branding, IP ranges and domains (administrators only)."""
    library = Library.objects.filter(code=code.upper()).first()
    if library is None:
        raise Http404
    if not scopes.covers(request.user, library):
        return render(request, "core/forbidden.html", status=403)
    form = LibraryForm.for_library(library, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_library(library, form.service_data(library.branding), by=request.user)
        except ServiceError as exc:
            form.show_service_error(exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("network:library", code=library.code)
    return render(request, "network/edit.html", {"form": form, "library": library})


@login_required
def apply_for_admission(request):
    """A new library applies to join below its parent."""
    form = ApplicationForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            admission = services.apply_for_admission(form.service_data({}), by=request.user)
        except ServiceError as exc:
            form.show_service_error(exc)
        else:
            messages.success(
                request,
                _("Your application was sent to %(parent)s.")
                % {"parent": admission.library.parent.name},
            )
            return redirect("network:library", code=admission.library.code)
    return render(request, "network/apply.html", {"form": form})


@login_required
def job_list(request):
    """Background jobs of the libraries the staff member administers, failed ones retryable."""
    from shuxiang.network import jobs

    state = request.GET.get("state", "")
    try:
        found = jobs.find_jobs(request.user, state=state, library=request.GET.get("library", ""))
    except ServiceError as exc:
        messages.error(request, str(exc))
        found, state = jobs.find_jobs(request.user), ""
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    states = jobs.Job.State.choices
    return render(request, "network/jobs.html", {"page": page, "state": state, "states": states})


@login_required
@require_POST
def retry_job(request, pk: int):
    """Run a failed job again (the service checks the permission)."""
    from shuxiang.network import jobs

    try:
        jobs.retry(pk, by=request.user)
        messages.success(request, _("Job %(id)s will run again.") % {"id": pk})
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("network:jobs")
