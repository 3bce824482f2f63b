"""Importing a package bag into a receiving library (offline, from a folder or drive).

1. Check: structure, signature, completeness, package.json and every metadata.json (nothing
   is stored before these pass; a delta must apply to the version the library holds).
2. Stage: each payload file is read once, hashed while it is copied to its final store key
   (content-addressed: a changed file gets a new key, so nothing published is overwritten).
   A checksum that does not match refuses the bag and removes what the staging stored.
3. Apply: items in batches, one transaction per batch, each moving ``ImportRun.position``;
   a killed run resumes at the marker, and upserts keyed by (package, item) duplicate nothing.
   Items the version no longer has are removed; replaced files are deleted after commit.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.core import audit, jobs
from shuxiang.core.actors import Actor
from shuxiang.core.errors import Conflict, FieldError
from shuxiang.distribution import (
    bagcheck,
    bags,
    copying,
    deployments,
    incoming,
    layout,
    permissions,
)
from shuxiang.distribution.models import ImportedPackage, ImportedResource, ImportRun
from shuxiang.network.models import Library
from shuxiang.resources import catalog_sync
from shuxiang.resources.models import Collection, Resource, ResourceFile
from shuxiang.resources.storage import get_storage

log = logging.getLogger(__name__)
BATCH = 200
RETRACT = "distribution.retract_record"


@dataclass
class ImportResult:
    run: ImportRun
    package: ImportedPackage | None
    already: bool = False
    created: int = 0
    updated: int = 0
    removed: int = 0


def import_bag(path: Path, into: Library, *, by: Actor, progress=None) -> ImportResult:
    """Import the bag at ``path`` into ``into``; resumable and idempotent (see module doc)."""
    permissions.require_admin_of(by, into, action=_("import packages into"))
    report = bagcheck.check_structure(Path(path))
    tag_sha = layout.sha256_hex((report.path / bags.TAGMANIFEST).read_bytes())
    done = ImportRun.objects.filter(library=into, tagmanifest_sha256=tag_sha, state="done")
    if done.exists():
        return ImportResult(done.first(), done.first().package, already=True)
    held = ImportedPackage.objects.filter(library=into, external_id=report.external_id).first()
    _check_version(report, held)
    if held is not None and held.version == report.number:
        return ImportResult(_finished_run(into, report, tag_sha, held, by), held, already=True)
    contents = incoming.read_contents(report)
    items_held = (
        dict(ImportedResource.objects.filter(package=held).values_list("key", "metadata_sha256"))
        if held
        else {}
    )
    incoming.check_items(report, contents, items_held)
    plan = _plan_files(report, contents, into)
    run, resumed = _open_run(into, report, tag_sha, contents, by)
    if not run.staged:
        if resumed:
            _sweep_partial(into, contents)
        _stage(run, report, plan, progress)
    return _apply(run, report, contents, plan, into, by)


def _check_version(report: bags.BagReport, held: ImportedPackage | None) -> None:
    have = held.version if held else 0
    if report.number < have:
        raise Conflict.single(
            "bag-info.txt",
            _("This library holds version %(have)s; version %(n)s is older.")
            % {"have": have, "n": report.number},
            "older",
        )
    if report.base_number is not None and report.base_number != have:
        raise Conflict.single(
            "bag-info.txt",
            _(
                "This delta applies to version %(base)s but the library holds version %(have)s: "
                "apply the deltas in order or import a full package."
            )
            % {"base": report.base_number, "have": have},
            "wrong_base",
        )


def _finished_run(into, report, tag_sha, held, by) -> ImportRun:
    return ImportRun.objects.create(
        library=into,
        package=held,
        bag_path=str(report.path),
        external_id=report.external_id,
        number=report.number,
        base_number=report.base_number,
        tagmanifest_sha256=tag_sha,
        state=ImportRun.State.DONE,
        staged=True,
        started_by=_person(by),
        finished_at=timezone.now(),
    )


def _person(by: Actor):
    return by if getattr(by, "pk", None) and hasattr(by, "is_authenticated") else None


def _plan_files(report, contents, into: Library) -> dict[str, tuple[str, dict]]:
    """Every file of the shipped items: store key -> (payload path or "", entry). Files a delta
    does not ship must already be in the library's store under the same key."""
    plan: dict[str, tuple[str, dict]] = {}
    problems = bagcheck.Problems()
    for item in contents.items.values():
        for entry in (item.metadata or {}).get("files", []):
            key = incoming.store_key(into.code, contents, item.key, entry)
            name = f"data/{entry['path']}"
            plan[key] = (name if name in report.payload else "", entry)
    unshipped = [key for key, (name, _entry) in plan.items() if not name]
    known = set(ResourceFile.objects.filter(key__in=unshipped).values_list("key", flat=True))
    for key in unshipped:
        if key not in known:
            problems.add(f"data/{plan[key][1]['path']}", _("The file is missing."), "missing")
    problems.raise_if_any()
    return plan


def _open_run(into, report, tag_sha, contents, by) -> tuple[ImportRun, bool]:
    """The run of this bag to resume (True), or a new one (False)."""
    run = ImportRun.objects.filter(library=into, tagmanifest_sha256=tag_sha, state="running")
    if run.exists():
        return run.first(), True
    try:
        with transaction.atomic():
            return ImportRun.objects.create(
                library=into,
                bag_path=str(report.path),
                external_id=report.external_id,
                number=report.number,
                base_number=report.base_number,
                tagmanifest_sha256=tag_sha,
                total_items=len(contents.items),
                total_bytes=report.payload_bytes,
                started_by=_person(by),
            ), False
    except IntegrityError:
        raise Conflict.single("bag", _("This bag is being imported."), "running") from None


def _sweep_partial(into: Library, contents) -> None:
    """Remove the temporary files a killed staging left in a local store."""
    prefix = incoming.store_key(into.code, contents, "x", {"path": "x", "sha256": "0" * 16})
    folder = get_storage().local_path(prefix.rsplit("/", 2)[0])
    if folder is not None and folder.is_dir():
        for stale in folder.rglob(".part-*"):
            stale.unlink(missing_ok=True)


def _stage_one(storage, key: str, source: Path, progress) -> str:
    """Copy (or, when the key is already stored, only read) one file; return its sha256."""
    local = storage.local_path(key)
    if local is not None:
        if local.is_file():
            return copying.hash_file(source, ["sha256"], progress)["sha256"]
        return copying.copy_file(source, local, progress)[1]
    if storage.exists(key):
        return copying.hash_file(source, ["sha256"], progress)["sha256"]
    with open(source, "rb") as stream:
        stored = storage.save(key, stream)
    if progress:
        progress(stored.size)
    return stored.sha256


def _stage(run: ImportRun, report, plan, progress) -> None:
    storage = get_storage()
    errors: list[FieldError] = []
    shipped = {key: name for key, (name, _entry) in plan.items() if name}
    for key, name in sorted(shipped.items(), key=lambda kv: kv[1]):
        digest = _stage_one(storage, key, report.path / name, progress)
        if digest != report.payload[name]:
            errors.append(
                FieldError(name, _("Checksum (sha256) does not match the manifest."), "checksum")
            )
    for name in sorted(set(report.payload) - set(shipped.values())):  # metadata, not copied
        if (
            copying.hash_file(report.path / name, ["sha256"], progress)["sha256"]
            != report.payload[name]
        ):
            errors.append(
                FieldError(name, _("Checksum (sha256) does not match the manifest."), "checksum")
            )
    if errors:
        _discard_unreferenced(list(shipped))
        run.state, run.errors, run.finished_at = (
            ImportRun.State.REFUSED,
            [e.as_dict() for e in errors],
            timezone.now(),
        )
        run.save(update_fields=["state", "errors", "finished_at"])
        raise incoming.refusal(errors)
    root = storage.local_path("packages")
    if root is not None and root.exists():
        copying.sync_folder(root)
    run.staged = True
    run.save(update_fields=["staged"])


def _discard_unreferenced(keys: list[str]) -> None:
    storage = get_storage()
    kept = set(ResourceFile.objects.filter(key__in=keys).values_list("key", flat=True))
    for key in keys:
        if key not in kept:
            storage.delete(key)


def _package(run: ImportRun, contents, into: Library, report) -> ImportedPackage:
    held = ImportedPackage.objects.filter(library=into, external_id=contents.external_id).first()
    if held is not None:
        return held
    code = f"pkg-{contents.code}"[:60]
    taken = set(Collection.objects.filter(library=into).values_list("code", flat=True))
    suffix = 2
    while code in taken:
        code, suffix = f"pkg-{contents.code}"[:56] + f"-{suffix}", suffix + 1
    collection = Collection.objects.create(
        library=into,
        code=code,
        name=contents.title,
        kind=Collection.Kind.INDEPENDENT,
        description=_("Imported from %(source)s.")
        % {"source": report.first("Source-Organization")},
    )
    return ImportedPackage.objects.create(
        library=into,
        external_id=contents.external_id,
        code=contents.code,
        title=contents.title,
        source=report.first("Source-Organization")[:200],
        collection=collection,
    )


def _apply(run, report, contents, plan, into, by) -> ImportResult:
    keys = list(contents.items)
    result = ImportResult(run, None)
    by_item: dict[str, list[tuple[str, dict]]] = {}
    for key, (_name, entry) in plan.items():
        item = entry["path"].split("/")[1]
        by_item.setdefault(item, []).append((key, entry))
    while run.position < len(keys):
        batch = keys[run.position : run.position + BATCH]
        with transaction.atomic():
            package = _package(run, contents, into, report)
            stale: list[str] = []
            for key in batch:
                item = contents.items[key]
                if item.metadata is not None:
                    _upsert(package, item, by_item.get(key, []), result, stale)
            run.package, run.position = package, run.position + len(batch)
            run.save(update_fields=["package", "position"])
            transaction.on_commit(lambda stale=stale: _discard_unreferenced(stale))
    return _finish(run, contents, into, by, result)


def _upsert(package, item, files, result: ImportResult, stale: list[str]) -> None:
    digest = layout.metadata_digest(item.metadata)
    held = (
        ImportedResource.objects.filter(package=package, key=item.key)
        .select_related("resource")
        .first()
    )
    if held is not None and held.metadata_sha256 == digest:
        return
    meta = item.metadata
    values = dict(item.fields, identifier=meta.get("identifier") or "")
    if held is None:
        resource = Resource.objects.create(
            library=package.library,
            collection=package.collection,
            status=Resource.Status.PUBLISHED,
            published_at=timezone.now(),
            **values,
        )
        ImportedResource.objects.create(
            library=package.library,
            package=package,
            resource=resource,
            key=item.key,
            origin=str(meta.get("origin") or "")[:300],
            version=0,
            metadata_sha256=digest,
        )
        result.created += 1
    else:
        resource = held.resource
        for name, value in values.items():
            setattr(resource, name, value)
        resource.save()
        stale.extend(resource.files.values_list("key", flat=True))
        resource.files.all().delete()
        held.metadata_sha256 = digest
        held.save(update_fields=["metadata_sha256"])
        result.updated += 1
    ResourceFile.objects.bulk_create(
        ResourceFile(
            resource=resource,
            role=entry["role"],
            order=entry["order"],
            key=key,
            filename=entry["filename"],
            content_type=entry["content_type"] or "application/octet-stream",
            size=entry["size"],
            sha256=entry["sha256"],
            label=entry.get("label", ""),
        )
        for key, entry in files
    )
    catalog_sync.sync_after_commit(resource)


def retract_after_commit(resource: Resource) -> None:
    """The removed resource's search record is marked deleted once the removal commits."""
    if apps.is_installed("shuxiang.catalog"):
        payload = catalog_sync.record_payload(resource)
        jobs.defer(
            RETRACT, {"payload": payload, "access": resource.access}, library=resource.library
        )


def retract_job(job: jobs.Job) -> None:
    """Job handler: mark the warehouse record of a removed imported resource deleted."""
    from shuxiang.catalog.services import upsert_local_record

    library = Library.objects.filter(code=job.library_code).first()
    if library is not None:
        upsert_local_record(
            source_key=catalog_sync.SOURCE_KEY,
            library=library,
            payload=job.payload["payload"],
            access_policy=job.payload["access"],
            deleted=True,
        )


@transaction.atomic
def _finish(run: ImportRun, contents, into, by, result: ImportResult) -> ImportResult:
    package = _package(run, contents, into, None) if run.package_id is None else run.package
    gone = ImportedResource.objects.filter(package=package).exclude(key__in=list(contents.items))
    stale = list(
        ResourceFile.objects.filter(resource__provenance__in=gone).values_list("key", flat=True)
    )
    removed = [held.resource for held in gone.select_related("resource__collection")]
    for resource in removed:
        retract_after_commit(resource)
        resource.delete()  # cascades to its files and provenance
    result.removed = len(removed)
    ImportedResource.objects.filter(package=package).update(version=run.number)
    package.version = run.number
    package.save(update_fields=["version", "updated_at"])
    run.state, run.finished_at, run.package = ImportRun.State.DONE, timezone.now(), package
    run.save(update_fields=["state", "finished_at", "package"])
    audit.record(
        by,
        "distribution.import",
        run,
        package=package.external_id,
        version=run.number,
        created=result.created,
        updated=result.updated,
        removed=result.removed,
    )
    transaction.on_commit(lambda: _discard_unreferenced(stale))
    deployments.record_disk_import(contents.external_id, run.number, into)
    result.run, result.package = run, package
    return result
