"""JSON API of resource packages (/api/v1/packages…): thin handlers over the services.

Bags are read and written on the node itself, only below ``SHUXIANG_PACKAGES_DIR`` (a request
never names another path of the server); drives are exported to with the CLI.
"""

from __future__ import annotations

from pathlib import Path

from django.db.models import Sum
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Query, Router, Status

from shuxiang.core.api import AUTH, ErrorOut, Paging, paginate
from shuxiang.core.errors import ValidationFailed
from shuxiang.distribution import bagcheck, permissions, selection, services
from shuxiang.distribution.models import ImportedPackage, Package, PackageVersion
from shuxiang.distribution.schemas import (
    BagReportOut,
    ImportedPackageOut,
    PackageBagIn,
    PackageBuildIn,
    PackageExportOut,
    PackageImportOut,
    PackageIn,
    PackageOut,
    PackagePage,
    PackagePreviewOut,
    PackageVersionOut,
)
from shuxiang.network import scopes
from shuxiang.network.models import Library
from shuxiang.resources.models import ResourceFile

router = Router(tags=["packages"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


def _package(request, pk: int) -> Package:
    visible = Package.objects.filter(permissions.packages_filter(request.auth))
    return get_object_or_404(visible.select_related("library"), pk=pk)


def _library(code: str | None, field: str = "library") -> Library:
    found = Library.objects.filter(code=(code or "").upper()).first()
    if found is None:
        raise ValidationFailed.single(field, _("No such library."), "not_found")
    return found


def inside_packages_dir(path: str, field: str = "path") -> Path:
    """A path below the packages folder (relative ones are taken from there)."""
    root = services.packages_root().resolve()
    if "\x00" in path:
        raise ValidationFailed.single(field, _("Not a path."))
    chosen = (root / path).resolve()
    if chosen != root and root not in chosen.parents:
        raise ValidationFailed.single(
            field, _("Bags are read and written below the packages folder only."), "outside"
        )
    return chosen


@router.get("/packages", response={200: PackagePage, **ERRORS}, auth=AUTH)
def list_packages(request, paging: Query[Paging]):
    queryset = Package.objects.filter(permissions.packages_filter(request.auth))
    return paginate(queryset.select_related("library").order_by("pk"), paging.page,
                    paging.page_size)  # fmt: skip


@router.post("/packages", response={201: PackageOut, **ERRORS}, auth=AUTH)
def create_package(request, payload: PackageIn):
    data = payload.dict(exclude_unset=True)
    library = _library(data.pop("library", None))
    return Status(201, services.create_package(library, data, by=request.auth))


@router.get("/packages/imports", response={200: list[ImportedPackageOut], **ERRORS}, auth=AUTH)
def list_imports(request):
    """Packages the libraries you serve imported, with the version each holds."""
    where = scopes.in_scope(request.auth, "library", role=scopes.Role.LIBRARIAN)
    return list(ImportedPackage.objects.filter(where).select_related("library")[:1000])


@router.post("/packages/verify", response={200: BagReportOut, **ERRORS}, auth=AUTH)
def verify_bag(request, payload: PackageBagIn):
    permissions.require_some_staff_role(request.auth)
    report = bagcheck.verify_bag(inside_packages_dir(payload.path))
    return {
        "external_id": report.external_id, "version": report.number,
        "delta_from": report.base_number, "files": len(report.payload),
        "payload_bytes": report.payload_bytes, "key_id": report.key_id,
    }  # fmt: skip


@router.post("/packages/import", response={200: PackageImportOut, **ERRORS}, auth=AUTH)
def import_bag(request, payload: PackageBagIn):
    """Verify the whole bag (below the packages folder), then import it into ``library``."""
    path = inside_packages_dir(payload.path)
    result = bagcheck.import_bag(path, _library(payload.library), by=request.auth)
    return {
        "external_id": result.run.external_id, "version": result.run.number,
        "already": result.already, "created": result.created, "updated": result.updated,
        "removed": result.removed,
    }  # fmt: skip


@router.get("/packages/{pk}", response={200: PackageOut, **ERRORS}, auth=AUTH)
def get_package(request, pk: int):
    return _package(request, pk)


@router.patch("/packages/{pk}", response={200: PackageOut, **ERRORS}, auth=AUTH)
def update_package(request, pk: int, payload: PackageIn):
    data = payload.dict(exclude_unset=True)
    return services.update_package(_package(request, pk), data, by=request.auth)


@router.get("/packages/{pk}/preview", response={200: PackagePreviewOut, **ERRORS}, auth=AUTH)
def preview(request, pk: int):
    """What a build would hold now: resource count, total size, configuration table."""
    package = _package(request, pk)
    resources = list(selection.resources_of(package))
    total = ResourceFile.objects.filter(resource__in=resources).aggregate(n=Sum("size"))["n"]
    return {
        "resources": len(resources),
        "total_bytes": total or 0,
        "config": selection.config_rows(resources, package.notes),
    }


@router.get("/packages/{pk}/versions", response={200: list[PackageVersionOut], **ERRORS},
            auth=AUTH)  # fmt: skip
def list_versions(request, pk: int):
    return list(_package(request, pk).versions.select_related("base_version"))


@router.post("/packages/{pk}/versions", response={201: PackageVersionOut, **ERRORS}, auth=AUTH)
def build(request, pk: int, payload: PackageBuildIn):
    """Build the next version (a delta against ``delta_from`` when given)."""
    version = services.build_version(
        _package(request, pk), by=request.auth, delta_from=payload.delta_from
    )
    return Status(201, version)


def _version(request, pk: int, vid: int) -> PackageVersion:
    return get_object_or_404(_package(request, pk).versions, pk=vid)


@router.get("/packages/{pk}/versions/{vid}", response={200: PackageVersionOut, **ERRORS},
            auth=AUTH)  # fmt: skip
def get_version(request, pk: int, vid: int):
    return _version(request, pk, vid)


@router.post("/packages/{pk}/versions/{vid}/export", response={200: PackageExportOut, **ERRORS},
             auth=AUTH)  # fmt: skip
def export(request, pk: int, vid: int, payload: PackageBagIn):
    """Write the version's bag into a folder below the packages folder."""
    version = _version(request, pk, vid)
    folder = inside_packages_dir(payload.path)
    permissions.require_staff_of(request.auth, version.package.library, action=_("export"))
    folder.mkdir(parents=True, exist_ok=True)
    bag = services.export_version(version, folder, by=request.auth)
    return {"path": str(bag.relative_to(services.packages_root().resolve()))}
