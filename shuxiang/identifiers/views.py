"""Pages: the resolver's Django path (tombstones, 404s) and the librarians' identifier pages."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shuxiang.core.errors import ServiceError
from shuxiang.identifiers import hooks, names, records, resolver, services, workflow
from shuxiang.identifiers.forms import ApplyForm
from shuxiang.identifiers.models import Identifier, ResolveEntry
from shuxiang.identifiers.permissions import is_registrar_of, reviewable_filter
from shuxiang.network import scopes
from shuxiang.network.models import Library
from shuxiang.network.scopes import Role


def _respond(result: resolver.Answer) -> HttpResponse:
    response = HttpResponse(result.body, status=result.status)
    for key, value in result.headers:
        response[key] = value
    return response


@require_http_methods(["GET", "HEAD"])
def resolve(request, name: str):
    """``/id/<identifier>``: redirect, JSON record, 410 tombstone or 404 page."""
    normalised = names.normalise(name)
    json_wanted = resolver.wants_json(
        request.headers.get("Accept", ""), request.META.get("QUERY_STRING", "")
    )
    row = (
        ResolveEntry.objects.filter(name=normalised, status__in=("active", "withdrawn"))
        .values_list("status", "target", "etag", "record")
        .first()
    )
    if row is None:
        row = hooks.look_up_elsewhere(normalised)  # a name another node of the tree holds
    if row is None or row[0] not in ("active", "withdrawn"):
        return _unknown(request, normalised, json_wanted)
    result = resolver.answer(
        normalised,
        row,
        json_wanted=json_wanted,
        if_none_match=request.headers.get("If-None-Match", ""),
    )
    if result.status != 410 or json_wanted:
        return _respond(result)
    identifier = Identifier.objects.select_related("library").filter(name=normalised).first()
    if identifier is None:  # reported by another node: the tombstone comes from the record
        identifier = records.tombstone_of(normalised, row[3])
    response = render(request, "identifiers/tombstone.html", {"identifier": identifier}, status=410)
    for key, value in result.headers:
        response[key] = value
    return response


def _unknown(request, name: str, json_wanted: bool) -> HttpResponse:
    headers = [*resolver.cache_headers(), *resolver.FIXED_HEADERS]
    if json_wanted:
        body = json.dumps(records.not_found_record(name), ensure_ascii=False).encode()
        headers.append(("Content-Type", "application/json; charset=utf-8"))
        return _respond(resolver.Answer(404, headers, body))
    _prefix, suffix = names.split(name)
    typo = names.looks_minted(suffix) and not names.has_valid_check(name)
    response = render(request, "identifiers/unknown.html", {"name": name, "typo": typo}, status=404)
    for key, value in headers:
        response[key] = value
    return response


def search(request):
    """Look an identifier up by name (any case) or by part of its title."""
    query = (request.GET.get("q") or "").strip()
    results = Identifier.objects.none()
    if query:
        results = Identifier.objects.filter(status__in=("active", "withdrawn")).filter(
            Q(name=names.normalise(query)) | Q(metadata__title__icontains=query)
        )
        results = results.select_related("library")[:50]
    return render(request, "identifiers/search.html", {"q": query, "results": results})


@login_required
def mine(request):
    """Identifiers of the libraries the staff member works for (and below)."""
    libraries = scopes.libraries(request.user, role=Role.LIBRARIAN)
    queryset = Identifier.objects.filter(scopes.in_subtree("library", libraries)).select_related(
        "library"
    )
    status = request.GET.get("status")
    if status:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset, 30).get_page(request.GET.get("page"))
    return render(request, "identifiers/mine.html", {"page": page, "status": status})


@login_required
@require_http_methods(["GET", "POST"])
def apply(request):
    """Apply for an identifier for one of the staff member's libraries."""
    libraries = scopes.libraries(request.user, role=Role.LIBRARIAN)
    form = ApplyForm(request.POST or None, libraries=libraries)
    if request.method == "POST" and form.is_valid():
        try:
            identifier = workflow.apply(by=request.user, **form.service_kwargs())
        except ServiceError as exc:
            form.add_service_error(exc)
        else:
            messages.success(
                request, _("Applied for %(name)s; it waits for review.") % {"name": identifier.name}
            )
            return redirect("identifiers:mine")
    return render(request, "identifiers/apply.html", {"form": form})


@login_required
def review_queue(request):
    """Pending applications, and active identifiers flagged as possible duplicates."""
    scope = Library.objects.filter(reviewable_filter(request.user))
    pending = Identifier.objects.filter(
        status=Identifier.Status.PENDING, library__in=scope
    ).select_related("library", "similar_to")
    flagged = (
        Identifier.objects.filter(status=Identifier.Status.ACTIVE, library__in=scope)
        .exclude(similar_to=None)
        .select_related("library", "similar_to")[:100]
    )
    return render(request, "identifiers/review.html", {"pending": pending, "flagged": flagged})


@login_required
@require_POST
def decide(request):
    """Approve or reject an application (the service checks the reviewer's permission)."""
    name = request.POST.get("name", "")
    reason = request.POST.get("reason", "")
    try:
        decision = request.POST.get("decision")
        if decision == "dismiss":
            workflow.dismiss_duplicate_flag(name, by=request.user, reason=reason)
            messages.success(request, _("%(name)s is no longer flagged.") % {"name": name})
        elif decision == "approve":
            workflow.approve(name, by=request.user, reason=reason)
            messages.success(request, _("%(name)s was approved.") % {"name": name})
        else:
            workflow.reject(name, by=request.user, reason=reason)
            messages.success(request, _("%(name)s was rejected.") % {"name": name})
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("identifiers:review")


def detail(request, name: str):
    """One identifier's record and, for its staff, its history."""
    try:
        identifier = services.get_identifier(name)
    except ServiceError:
        return _unknown(request, names.normalise(name), False)
    staff = is_registrar_of(request.user, identifier.library)
    if identifier.status not in ("active", "withdrawn") and not staff:
        return _unknown(request, identifier.name, False)
    context = {
        "identifier": identifier,
        "history": services.history(identifier.name) if staff else [],
        "staff": staff,
    }
    return render(request, "identifiers/detail.html", context)


@login_required
@require_POST
def maintain(request):
    """Staff actions on one identifier: new location (checked), withdraw, transfer."""
    name = request.POST.get("name", "")
    action = request.POST.get("action")
    try:
        if action == "location":
            services.update_location(
                name, location=request.POST.get("location", ""), by=request.user, check=True
            )
        elif action == "withdraw":
            services.withdraw(name, by=request.user, reason=request.POST.get("reason", ""))
        elif action == "transfer":
            code = (request.POST.get("to") or "").strip().upper()
            to = Library.objects.filter(code=code).first()
            if to is None:
                messages.error(request, _("No library has the code %(c)s.") % {"c": code})
                return redirect("identifiers:detail", name=names.normalise(name))
            services.transfer(name, to=to, by=request.user)
        messages.success(request, _("%(name)s was updated.") % {"name": name})
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("identifiers:detail", name=names.normalise(name))
