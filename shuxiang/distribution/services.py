"""Package services: define a package, build a version (full or delta) as a bag, export it to
a folder or mounted drive, and import a bag into a receiving library."""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.core import audit, options
from shuxiang.core.actors import Actor, is_system
from shuxiang.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from shuxiang.distribution import bags, layout, permissions, selection
from shuxiang.distribution.models import ConfigRow, Package, PackageItem, PackageVersion
from shuxiang.network.models import Library
from shuxiang.resources.models import Resource

CODE_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")


def _person(actor: Actor):
    return None if is_system(actor) or not getattr(actor, "pk", None) else actor


def packages_root() -> Path:
    """Where built bags live (``SHUXIANG_PACKAGES_DIR``, default ``DATA_DIR/packages``)."""
    return Path(options.value("PACKAGES_DIR") or settings.DATA_DIR / "packages")


def _clean_package(data: Mapping[str, Any], library: Library, creating: bool) -> dict:
    errors: list[FieldError] = []
    cleaned: dict[str, Any] = {}
    if creating or "code" in data:
        code = unicodedata.normalize("NFKC", str(data.get("code") or "")).strip().lower()
        if not CODE_RE.match(code):
            errors.append(FieldError("code", _("Use 1-64 letters a-z, digits 0-9 and -.")))
        cleaned["code"] = code
    if creating or "title" in data:
        title = str(data.get("title") or "").strip()
        if not title or len(title) > 200:
            errors.append(FieldError("title", _("Give a title of at most 200 characters.")))
        cleaned["title"] = title
    if "description" in data:
        cleaned["description"] = str(data.get("description") or "")[:5000]
    if "notes" in data:
        notes = data.get("notes") or {}
        if not isinstance(notes, dict) or not all(
            isinstance(v, str) and len(v) <= 2000 for v in notes.values()
        ):
            errors.append(FieldError("notes", _("Give a description text per type.")))
        cleaned["notes"] = {str(k)[:60]: v for k, v in dict(notes).items()}
    if errors:
        raise ValidationFailed(_("The package is not valid."), errors)
    if creating or "rule" in data:
        cleaned["rule"] = selection.clean_rule(data.get("rule"), library)
    return cleaned


@transaction.atomic
def create_package(library: Library, data: Mapping[str, Any], *, by: Actor) -> Package:
    """Define a package of ``library``: code, title, selection rule, table descriptions."""
    permissions.require_staff_of(by, library, action=_("make packages of"))
    cleaned = _clean_package(data, library, creating=True)
    if Package.objects.filter(library=library, code=cleaned["code"]).exists():
        raise Conflict.single("code", _("This code is taken."), "duplicate")
    package = Package.objects.create(library=library, created_by=_person(by), **cleaned)
    audit.record(by, "distribution.create_package", package, code=package.code)
    return package


@transaction.atomic
def update_package(package: Package, data: Mapping[str, Any], *, by: Actor) -> Package:
    """Change a package's title, description, selection rule or table descriptions."""
    permissions.require_staff_of(by, package.library, action=_("change packages of"))
    cleaned = _clean_package(
        {k: v for k, v in data.items() if k != "code"}, package.library, creating=False
    )
    for name, value in cleaned.items():
        setattr(package, name, value)
    package.save()
    audit.record(by, "distribution.update_package", package, fields=sorted(cleaned))
    return package


def item_snapshot(resource: Resource) -> tuple[str, dict, list[dict]]:
    """(key, metadata, files) of a resource as a package version records it."""
    key = f"r{resource.pk:08d}"
    files = []
    for row in resource.files.all():
        files.append(
            {
                "path": layout.file_path(key, row.role, row.order, row.filename),
                "key": row.key,
                "sha256": row.sha256,
                "size": row.size,
                "role": row.role,
                "order": row.order,
                "filename": row.filename,
                "content_type": row.content_type,
                "label": row.label,
            }
        )
    metadata = {name: getattr(resource, name) for name in layout.METADATA_FIELDS}
    identifiers = [resource.identifier] if resource.identifier else []
    metadata.update(
        key=key,
        origin=f"{resource.library.code}/{resource.pk}",
        identifier=resource.identifier,
        identifiers=identifiers,
        source_library=resource.library.code,
        collection=resource.collection.name,
        files=[{name: row[name] for name in layout.FILE_FIELDS} for row in files],
    )
    return key, metadata, files


def _next_number(package: Package) -> int:
    top = package.versions.exclude(state=PackageVersion.State.FAILED).aggregate(n=Max("number"))
    return (top["n"] or 0) + 1


@transaction.atomic
def _snapshot(package: Package, by: Actor, base: PackageVersion | None) -> PackageVersion:
    package = Package.objects.select_for_update().get(pk=package.pk)
    package.versions.filter(state=PackageVersion.State.BUILDING).delete()  # a killed build
    resources = list(
        selection.resources_of(package)
        .select_related("library", "collection")
        .prefetch_related("files")
    )
    if not resources:
        raise ValidationFailed.single("rule", _("The selection holds no published resource."))
    version = PackageVersion.objects.create(
        package=package, number=_next_number(package), base_version=base, built_by=_person(by)
    )
    items = []
    for resource in resources:
        key, metadata, files = item_snapshot(resource)
        items.append(
            PackageItem(version=version, resource=resource, key=key, metadata=metadata, files=files)
        )
    PackageItem.objects.bulk_create(items, batch_size=500)
    rows = selection.config_rows(resources, package.notes)
    ConfigRow.objects.bulk_create(ConfigRow(version=version, **row) for row in rows)
    return version


def bag_name(version: PackageVersion) -> str:
    package = version.package
    name = f"{package.library.code}-{package.code}-v{version.number}"
    if version.base_version_id:
        name += f"-from-v{version.base_version.number}"
    return name


def _write_built(version: PackageVersion, progress) -> PackageVersion:
    folder = packages_root() / bag_name(version)
    shutil.rmtree(folder, ignore_errors=True)
    try:
        bags.write_bag(version, folder, progress, link=True)
    except Exception as exc:
        version.state, version.error = PackageVersion.State.FAILED, str(exc)[:2000]
        version.save(update_fields=["state", "error"])
        raise
    version.bag_path = str(folder)
    version.state = PackageVersion.State.BUILT
    version.built_at = timezone.now()
    version.save()
    return version


def _base(package: Package, delta_from: int | None) -> PackageVersion | None:
    if delta_from is None:
        return None
    base = package.versions.filter(number=delta_from, state=PackageVersion.State.BUILT).first()
    if base is None:
        raise ValidationFailed.single(
            "delta_from", _("Version %(n)s of this package is not built.") % {"n": delta_from}
        )
    return base


def build_version(
    package: Package, *, by: Actor, delta_from: int | None = None, progress=None
) -> PackageVersion:
    """Snapshot the package's selection as a new version and write its bag: a full one, or
    with ``delta_from`` a delta carrying only what changed since that version."""
    permissions.require_staff_of(by, package.library, action=_("build packages of"))
    version = _snapshot(package, by, _base(package, delta_from))
    version = _write_built(version, progress)
    audit.record(by, "distribution.build", version, number=version.number, delta_from=delta_from)
    return version


def full_bag(version: PackageVersion, *, by: Actor, progress=None) -> PackageVersion:
    """A full bag of a version built as a delta (for a node that missed versions)."""
    permissions.require_staff_of(by, version.package.library, action=_("build packages of"))
    existing = version.package.versions.filter(number=version.number, base_version=None).first()
    if existing is not None and existing.state == PackageVersion.State.BUILT:
        return existing
    with transaction.atomic():
        if existing is not None:
            existing.delete()
        try:
            full = PackageVersion.objects.create(
                package=version.package, number=version.number, built_by=_person(by)
            )
        except IntegrityError:
            raise Conflict.single("version", _("A full bag is being built.")) from None
        PackageItem.objects.bulk_create(
            PackageItem(
                version=full,
                resource_id=i.resource_id,
                key=i.key,
                metadata=i.metadata,
                files=i.files,
            )
            for i in version.items.all()
        )
        ConfigRow.objects.bulk_create(
            ConfigRow(version=full, **{f: getattr(r, f) for f in CONFIG_FIELDS})
            for r in version.config.all()
        )
    full = _write_built(full, progress)
    audit.record(by, "distribution.build", full, number=full.number, delta_from=None)
    return full


CONFIG_FIELDS = ("number", "category", "type", "type_label", "count", "size", "description")


def export_version(version: PackageVersion, folder: Path, *, by: Actor, progress=None) -> Path:
    """Write the version's bag into ``folder`` (a folder or mounted drive); return the bag."""
    permissions.require_staff_of(by, version.package.library, action=_("export packages of"))
    if version.state != PackageVersion.State.BUILT:
        raise Conflict.single("version", _("This version is not built."), "not_built")
    folder = Path(folder)
    if not folder.is_dir():
        raise ValidationFailed.single("folder", _("%(p)s is not a folder.") % {"p": folder})
    bag = bags.write_bag(version, folder / bag_name(version), progress)
    audit.record(by, "distribution.export", version, folder=str(folder))
    return bag


def get_version(
    package: Package, number: int, delta_from: int | None = None, *, any_kind: bool = False
) -> PackageVersion:
    """A built version: the full bag of ``number``, or its delta from ``delta_from``; with
    ``any_kind`` whichever bag of that number exists (the full one first)."""
    versions = package.versions.filter(number=number)
    if any_kind:
        found = versions.filter(base_version=None).first() or versions.first()
    elif delta_from is not None:
        found = versions.filter(base_version__number=delta_from).first()
    else:
        found = versions.filter(base_version=None).first()
    if found is None:
        raise NotFound(_("No such version of this package."))
    return found
