"""Librarian pages: create, order and schedule a site's columns, topics and entries.

Plain forms and buttons (no JavaScript needed); the services check who may do what.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shuxiang.core.errors import ServiceError
from shuxiang.portal import queries, services
from shuxiang.portal.forms import EntryForm, ShelfForm
from shuxiang.portal.models import Column, Entry, Topic
from shuxiang.portal.permissions import can_curate


def _site_for_curator(request):
    site = getattr(request, "site", None)
    if site is None:
        raise Http404
    if not can_curate(request.user, site.library):
        return None
    return site


def _forbidden(request):
    return render(request, "core/forbidden.html", status=403)


@login_required
def dashboard(request):
    """Every column and topic of this site, live or scheduled, with order buttons."""
    site = _site_for_curator(request)
    if site is None:
        return _forbidden(request)
    context = {
        "columns": queries.curated_by(site.library, Column),
        "topics": queries.curated_by(site.library, Topic),
    }
    return render(request, "portal/curate.html", context)


@login_required
def new_shelf(request, kind: str):
    """Create a column or a topic."""
    site = _site_for_curator(request)
    if site is None:
        return _forbidden(request)
    if kind not in services.KINDS:
        raise Http404
    form = ShelfForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            shelf = services.create_shelf(site.library, kind, form.service_data(), by=request.user)
        except ServiceError as exc:
            form.show_service_error(exc)
        else:
            messages.success(request, _("Created."))
            return redirect("portal:curate_shelf", kind=kind, pk=shelf.pk)
    return render(request, "portal/curate_shelf.html", {"form": form, "kind": kind})


def _own_shelf(request, kind: str, pk: int):
    site = _site_for_curator(request)
    if site is None or kind not in services.KINDS:
        return None
    return get_object_or_404(services.KINDS[kind], pk=pk, library=site.library)


@login_required
def edit_shelf(request, kind: str, pk: int):
    """Edit a column or topic, list its entries and add new ones."""
    shelf = _own_shelf(request, kind, pk)
    if shelf is None:
        return _forbidden(request)
    form = ShelfForm.for_shelf(shelf, request.POST if "save_shelf" in request.POST else None)
    entry_form = EntryForm(request.POST if "add_entry" in request.POST else None, prefix="new")
    if _saved(request, form, services.update_shelf, shelf) or _saved(
        request, entry_form, services.add_entry, shelf
    ):
        return redirect("portal:curate_shelf", kind=kind, pk=pk)
    context = {
        "shelf": shelf,
        "kind": kind,
        "form": form,
        "entry_form": entry_form,
        "entries": Entry.objects.filter(**{kind: shelf}).order_by("position", "id"),
    }
    return render(request, "portal/curate_shelf.html", context)


def _saved(request, form, service, target) -> bool:
    """Call ``service(target, data, by=…)`` for a bound, valid form; errors go beside fields."""
    if not form.is_bound or not form.is_valid():
        return False
    try:
        service(target, form.service_data(), by=request.user)
    except ServiceError as exc:
        form.show_service_error(exc)
        return False
    messages.success(request, _("Saved."))
    return True


@login_required
@require_POST
def shelf_action(request, kind: str, pk: int):
    """Move a column/topic up or down, or delete it."""
    shelf = _own_shelf(request, kind, pk)
    if shelf is None:
        return _forbidden(request)
    try:
        if request.POST.get("action") == "delete":
            services.delete_shelf(shelf, by=request.user)
        else:
            services.move_shelf(
                shelf, -1 if request.POST.get("action") == "up" else 1, by=request.user
            )
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("portal:curate")


def _own_entry(request, pk: int):
    entry = get_object_or_404(Entry.objects.select_related("column", "topic"), pk=pk)
    site = _site_for_curator(request)
    if site is None or entry.shelf.library_id != site.library.pk:
        return None
    return entry


@login_required
def edit_entry(request, pk: int):
    """Edit one entry (title, link, reference, note, schedule)."""
    entry = _own_entry(request, pk)
    if entry is None:
        return _forbidden(request)
    kind = "column" if entry.column_id else "topic"
    form = EntryForm.for_entry(entry, request.POST or None)
    if _saved(request, form, services.update_entry, entry):
        return redirect("portal:curate_shelf", kind=kind, pk=entry.shelf.pk)
    return render(request, "portal/curate_entry.html", {"entry": entry, "form": form, "kind": kind})


@login_required
@require_POST
def entry_action(request, pk: int):
    """Move an entry up or down, or delete it."""
    entry = _own_entry(request, pk)
    if entry is None:
        return _forbidden(request)
    kind, shelf = ("column" if entry.column_id else "topic"), entry.shelf
    try:
        if request.POST.get("action") == "delete":
            services.delete_entry(entry, by=request.user)
        else:
            services.move_entry(
                entry, -1 if request.POST.get("action") == "up" else 1, by=request.user
            )
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("portal:curate_shelf", kind=kind, pk=shelf.pk)
