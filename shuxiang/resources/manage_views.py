"""The librarian's workbench: upload, edit, submit/review/publish, batch-import status."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shuxiang.core.errors import ServiceError
from shuxiang.core.models import AuditEvent
from shuxiang.network import scopes
from shuxiang.resources import distribution, permissions, services, tasks
from shuxiang.resources.models import Collection, ImportBatch, ImportRow, Resource
from shuxiang.resources.types import SUBTYPE_LABELS, TYPES
from shuxiang.resources.validation import TEXT_LIMITS

CORE_FIELDS = [*TEXT_LIMITS, "date", "language", "access", "subtype"]


def _scoped(request):
    return Resource.objects.filter(permissions.staff_filter(request.user))


def _collections(request):
    every = Collection.objects.select_related("library")
    return [c for c in every if permissions.is_staff_of(request.user, c.library)]


@login_required
def workbench(request):
    """The resources this librarian looks after, by status."""
    status = request.GET.get("status", "")
    queryset = _scoped(request).select_related("library")
    if status in Resource.Status.values:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "resources/workbench.html",
        {"page": page, "statuses": Resource.Status.choices, "status": status},
    )


def form_data(post, type_code: str) -> dict:
    """Resource fields from a submitted form (``extra.<name>`` inputs hold type fields)."""
    data = {name: post.get(name, "") for name in CORE_FIELDS if name in post}
    data["subjects"] = post.get("subjects", "")
    titles = {}
    for line in post.get("titles", "").splitlines():
        lang, _colon, text = line.partition(":")
        if lang.strip():
            titles[lang.strip()] = text.strip()
    data["titles"] = titles
    spec = TYPES[type_code]
    data["extra"] = {
        f.name: post[f"extra.{f.name}"]
        for f in spec.fields
        if post.get(f"extra.{f.name}", "").strip()
    }
    return data


def _form_values(resource, values: dict | None) -> dict:
    """What the form shows: the posted values, else the stored ones."""
    form = {name: getattr(resource, name, "") for name in CORE_FIELDS} if resource else {}
    form["titles"] = "\n".join(
        f"{k}: {v}" for k, v in (resource.titles if resource else {}).items()
    )
    form["subjects"] = "；".join(resource.subjects) if resource else ""
    for name, value in (values or {}).items():
        if name == "titles" and isinstance(value, dict):
            value = "\n".join(f"{k}: {v}" for k, v in value.items())
        if name != "extra":
            form[name] = value
    return form


def _form_context(type_code: str, resource=None, errors=None, values=None) -> dict:
    spec = TYPES[type_code]
    extra = (values or {}).get("extra") or (resource.extra if resource else {})
    return {
        "form": _form_values(resource, values),
        "spec": spec,
        "subtypes": [(s, SUBTYPE_LABELS.get(s, s)) for s in spec.subtypes],
        "extra_fields": [(f, extra.get(f.name, "")) for f in spec.fields],
        "errors": {e.field: e.reason for e in (errors or [])},
        "access_choices": Resource.Access.choices,
    }


@login_required
def create(request):
    """Upload a file and describe it: a new draft in one of the librarian's collections."""
    type_code = request.POST.get("type") or request.GET.get("type") or "ebook"
    if type_code not in TYPES:
        raise Http404("Unknown resource type.")
    collections = _collections(request)
    context = {"types": TYPES.values(), "type_code": type_code, "collections": collections}
    if request.method == "POST":
        collection = next(
            (c for c in collections if str(c.pk) == request.POST.get("collection")), None
        )
        data = {"type": type_code, **form_data(request.POST, type_code)}
        files = [
            services.Upload(f.name, f, f.content_type or "") for f in request.FILES.getlist("file")
        ]
        try:
            if collection is None:
                raise ServiceError(_("Choose one of your collections."))
            resource = services.create_resource(data, collection=collection, by=request.user,
                                                files=files)  # fmt: skip
        except ServiceError as exc:
            messages.error(request, str(exc))
            context.update(_form_context(type_code, errors=exc.errors, values=data))
            return render(request, "resources/create.html", context, status=exc.status)
        messages.success(request, _("Saved as a draft."))
        return redirect("resources:edit", resource.pk)
    context.update(_form_context(type_code))
    return render(request, "resources/create.html", context)


@login_required
def edit(request, pk: int):
    """Edit metadata and move the resource through the workflow."""
    resource = get_object_or_404(_scoped(request).select_related("library", "collection"), pk=pk)
    errors = None
    if request.method == "POST":
        data = form_data(request.POST, resource.type)
        try:
            services.update_resource(resource, data, by=request.user)
            messages.success(request, _("Saved."))
            return redirect("resources:edit", pk)
        except ServiceError as exc:
            messages.error(request, str(exc))
            errors = exc.errors
    history = AuditEvent.objects.filter(target_type="resources.resource", target_id=str(pk))
    context = {
        "resource": resource,
        "files": resource.files.all(),
        "jobs": resource.jobs.all(),
        "history": history[:30],
        "can_publish": scopes.covers(request.user, resource.library),
        "is_central": resource.collection.kind == Collection.Kind.CENTRAL,
    }
    context.update(_form_context(resource.type, resource, errors))
    return render(request, "resources/edit.html", context, status=400 if errors else 200)


ACTIONS = {
    "submit": lambda r, u, p: services.submit(r, by=u),
    "publish": lambda r, u, p: services.publish(r, by=u),
    "return": lambda r, u, p: services.return_to_draft(r, by=u, reason=p.get("reason", "")),
    "withdraw": lambda r, u, p: services.withdraw(r, by=u, reason=p.get("reason", "")),
    "distribute": lambda r, u, p: distribution.distribute(
        r, p.get("libraries", "").replace("，", ",").split(","), by=u
    ),
    "retry": lambda r, u, p: tasks.retry_failed(r),
}


@login_required
@require_POST
def act(request, pk: int):
    """One workflow step (submit, publish, send back, withdraw, distribute, retry)."""
    resource = get_object_or_404(_scoped(request), pk=pk)
    action = ACTIONS.get(request.POST.get("action", ""))
    if action is None:
        raise Http404("Unknown action.")
    try:
        action(resource, request.user, request.POST)
        messages.success(request, _("Done."))
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("resources:edit", pk)


@login_required
def imports(request):
    """Batch imports of the librarian's libraries with their progress."""
    batches = ImportBatch.objects.filter(permissions.staff_filter(request.user)).select_related(
        "collection", "library"
    )
    return render(request, "resources/imports.html", {"batches": batches[:100]})


@login_required
def import_detail(request, pk: int):
    """The per-row report of one import (failed rows first)."""
    batch = get_object_or_404(
        ImportBatch.objects.filter(permissions.staff_filter(request.user)), pk=pk
    )
    rows = batch.rows.order_by("outcome" if request.GET.get("failed") else "number")
    counts = {o: batch.rows.filter(outcome=o).count() for o in ImportRow.Outcome.values}
    page = Paginator(rows, 100).get_page(request.GET.get("page"))
    return render(
        request, "resources/import_detail.html", {"batch": batch, "page": page, "counts": counts}
    )
