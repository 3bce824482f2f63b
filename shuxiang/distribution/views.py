"""Pages for building packages (/packages/): choose resources (by collection, type, query or
by hand), see the configuration table and total size, build versions; and what was imported."""

from __future__ import annotations

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shuxiang.core.errors import ServiceError
from shuxiang.core.http import ascii_int
from shuxiang.distribution import permissions, selection, services
from shuxiang.distribution.models import ImportedPackage, Package
from shuxiang.network import scopes
from shuxiang.network.models import Library
from shuxiang.resources.models import Collection, Resource, ResourceFile
from shuxiang.resources.types import TYPES

IDS_RE = re.compile(r"[0-9]+")


def _staff_libraries(request):
    libraries = scopes.libraries(request.user, role=scopes.Role.LIBRARIAN)
    if not libraries and not scopes.unrestricted(request.user):
        raise Http404
    return libraries


def _package(request, pk: int) -> Package:
    _staff_libraries(request)
    visible = Package.objects.filter(permissions.packages_filter(request.user))
    return get_object_or_404(visible.select_related("library"), pk=pk)


def _rule_from(post, library) -> dict:
    picked = [int(n) for n in IDS_RE.findall(post.get("resources", "")) if len(n) < 18]
    collections = [ascii_int(c) for c in post.getlist("collections")]
    return {
        "collections": [c for c in collections if c],
        "types": [t for t in post.getlist("types") if t in TYPES],
        "query": post.get("query", "").strip(),
        "resources": picked,
    }


def _collections_for(library) -> list[Collection]:
    return list(Collection.objects.filter(scopes.in_subtree("library", [library])))


@login_required
def package_list(request):
    libraries = _staff_libraries(request)
    packages = Package.objects.filter(permissions.packages_filter(request.user))
    held = ImportedPackage.objects.filter(
        scopes.in_scope(request.user, "library", role=scopes.Role.LIBRARIAN)
    ).select_related("library")
    return render(request, "distribution/list.html", {
        "packages": packages.select_related("library"), "held": held, "libraries": libraries,
    })  # fmt: skip


@login_required
def package_create(request):
    libraries = _staff_libraries(request) or list(Library.objects.order_by("path")[:500])
    errors = {}
    if request.method == "POST":
        library = next((lib for lib in libraries if lib.code == request.POST.get("library")), None)
        if library is None:
            errors["library"] = _("Choose one of your libraries.")
        else:
            data = {k: request.POST.get(k, "") for k in ("code", "title", "description")}
            data["rule"] = _rule_from(request.POST, library)
            try:
                package = services.create_package(library, data, by=request.user)
            except ServiceError as exc:
                errors = {e.field: e.reason for e in exc.errors} or {"": exc.message}
            else:
                messages.success(request, _("Package defined; check its table, then build it."))
                return redirect("distribution:detail", package.pk)
    return render(request, "distribution/create.html", {
        "libraries": libraries, "errors": errors, "post": request.POST,
        "types": TYPES.values(),
    })  # fmt: skip


@login_required
def package_detail(request, pk: int):
    package = _package(request, pk)
    resources = list(selection.resources_of(package).select_related("collection"))
    total = ResourceFile.objects.filter(resource__in=resources).aggregate(n=Sum("size"))["n"]
    query = request.GET.get("q", "").strip()[:200]
    found = []
    if query:
        found = Resource.objects.filter(
            scopes.in_subtree("library", [package.library]),
            status=Resource.Status.PUBLISHED,
            title__icontains=query,
        ).exclude(pk__in=[r.pk for r in resources])[:50]
    return render(request, "distribution/detail.html", {
        "package": package, "resources": resources[:200], "count": len(resources),
        "total": total or 0, "config": selection.config_rows(resources, package.notes),
        "versions": package.versions.select_related("base_version"),
        "collections": _collections_for(package.library), "types": TYPES.values(),
        "query": query, "found": found,
    })  # fmt: skip


@login_required
@require_POST
def package_rule(request, pk: int):
    """Change the selection: the rule's fields, or add/remove hand-picked resources."""
    package = _package(request, pk)
    rule = dict(package.rule)
    add = [ascii_int(n) for n in request.POST.getlist("add")]
    remove = {ascii_int(n) for n in request.POST.getlist("remove")}
    if "collections" in request.POST or "types_form" in request.POST:
        rule = _rule_from(request.POST, package.library)
    picked = [n for n in (rule.get("resources") or []) if n not in remove]
    rule["resources"] = picked + [n for n in add if n and n not in picked]
    try:
        services.update_package(package, {"rule": rule}, by=request.user)
        messages.success(request, _("Selection saved."))
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("distribution:detail", package.pk)


@login_required
@require_POST
def package_build(request, pk: int):
    package = _package(request, pk)
    delta_from = ascii_int(request.POST.get("delta_from") or None)
    try:
        version = services.build_version(package, by=request.user, delta_from=delta_from)
        messages.success(request, _("Built %(v)s.") % {"v": version})
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("distribution:detail", package.pk)
