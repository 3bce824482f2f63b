"""``shuxiang resources import|export|verify``: batch import, manifest export, checksum audit.

import FOLDER --manifest FILE --collection LIBRARY/CODE [--as USERNAME]
    Import (or resume) a folder with a CSV / JSON Lines / JSON manifest; prints a per-row
    report of failures and exits 1 when any row failed.
export --collection LIBRARY/CODE --out FILE.jsonl
    Write the collection's resources as a JSON Lines manifest (metadata and file names).
verify [--collection LIBRARY/CODE] [--orphans [--delete-orphans]]
    Re-read every stored original and compare its SHA-256; exits 1 on a mismatch or loss.
    --orphans lists stored files no record refers to (left by a killed import or upload).
jobs [--retry]
    List failed derivative jobs with their errors; --retry queues them again.
"""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import ServiceError
from shuxiang.resources.ingest import import_folder
from shuxiang.resources.models import (
    Collection,
    DerivativeJob,
    ImportRow,
    Resource,
    ResourceFile,
)
from shuxiang.resources.storage import get_storage

EXPORTED = (
    "type", "subtype", "title", "creator", "contributor", "publisher", "date", "description",
    "language", "rights", "licence", "access", "status", "identifier",
)  # fmt: skip


def collection_of(spec: str) -> Collection:
    code, _slash, name = spec.partition("/")
    found = Collection.objects.select_related("library").filter(
        library__code=code.upper(), code=name
    )
    if not found.exists():
        raise CommandError(f"--collection: no collection {spec!r} (use LIBRARY/CODE)")
    return found.get()


class Command(BaseCommand):
    help = __doc__.strip().splitlines()[0]

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        importing = sub.add_parser("import", help="import a folder with a manifest")
        importing.add_argument("folder")
        importing.add_argument("--manifest", required=True)
        importing.add_argument("--collection", required=True, help="LIBRARY/CODE")
        importing.add_argument("--as", dest="username", help="act as this staff member")
        importing.add_argument("--no-progress", action="store_true")
        exporting = sub.add_parser("export", help="write a JSON Lines manifest")
        exporting.add_argument("--collection", required=True)
        exporting.add_argument("--out", required=True)
        verifying = sub.add_parser("verify", help="re-check stored originals' SHA-256")
        verifying.add_argument("--collection")
        verifying.add_argument("--orphans", action="store_true", help="list unreferenced files")
        verifying.add_argument("--delete-orphans", action="store_true")
        jobs = sub.add_parser("jobs", help="failed derivative jobs (and retry them)")
        jobs.add_argument("--retry", action="store_true")

    def handle(self, *args, action, **options):
        return getattr(self, f"do_{action}")(**options)

    def do_import(self, folder, manifest, collection, username, no_progress, **_options):
        actor = SYSTEM
        if username:
            actor = get_user_model().objects.filter(username=username).first()
            if actor is None:
                raise CommandError(f"--as: no user {username!r}")
        try:
            report = import_folder(
                Path(folder), Path(manifest), collection=collection_of(collection),
                by=actor, progress=not no_progress,
            )  # fmt: skip
        except (ServiceError, ValueError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        failed = report.batch.rows.filter(outcome=ImportRow.Outcome.FAILED)
        for row in failed:
            reasons = "; ".join(f"{e.get('field')}: {e.get('reason')}" for e in row.errors)
            self.stderr.write(f"row {row.number}: {reasons}")
        self.stdout.write(f"batch {report.batch.pk}: {report.summary()}")
        if failed.exists():
            raise CommandError(f"{failed.count()} rows failed (see above); the others are stored")

    def do_export(self, collection, out, **_options):
        chosen = collection_of(collection)
        count = 0
        with open(out, "w", encoding="utf-8") as handle:
            for resource in chosen.resources.prefetch_related("files").iterator(chunk_size=500):
                handle.write(json.dumps(_exported(resource), ensure_ascii=False) + "\n")
                count += 1
        self.stdout.write(f"wrote {count} resources to {out}")

    def do_verify(self, collection, orphans=False, delete_orphans=False, **_options):
        if orphans or delete_orphans:
            self._orphans(delete_orphans)
        files = ResourceFile.objects.filter(role=ResourceFile.Role.ORIGINAL)
        if collection:
            files = files.filter(resource__collection=collection_of(collection))
        storage, bad, count = get_storage(), 0, 0
        for item in files.iterator(chunk_size=500):
            count += 1
            if not storage.exists(item.key):
                bad += 1
                self.stderr.write(f"MISSING resource {item.resource_id}: {item.key}")
            elif storage.sha256(item.key) != item.sha256:
                bad += 1
                self.stderr.write(f"CHANGED resource {item.resource_id}: {item.key}")
        self.stdout.write(f"verified {count} originals: {count - bad} intact, {bad} bad")
        if bad:
            raise CommandError(f"{bad} originals are missing or changed")

    def do_jobs(self, retry, **_options):
        from shuxiang.resources import tasks

        failed = DerivativeJob.objects.filter(state=DerivativeJob.State.FAILED)
        for job in failed.select_related("resource"):
            self.stdout.write(f"resource {job.resource_id} {job.kind}: {job.error}")
        count = failed.count()
        if retry:
            resources = Resource.objects.filter(jobs__state=DerivativeJob.State.FAILED).distinct()
            retried = sum(tasks.retry_failed(resource) for resource in resources)
            self.stdout.write(f"{retried} failed jobs queued again")
        else:
            self.stdout.write(f"{count} failed derivative jobs")

    def _orphans(self, delete: bool) -> None:
        storage, found = get_storage(), 0
        for prefix in ("resources/", "derivatives/"):
            for key in storage.keys(prefix):
                if not ResourceFile.objects.filter(key=key).exists():
                    found += 1
                    self.stdout.write(f"ORPHAN {key}")
                    if delete:
                        storage.delete(key)
        self.stdout.write(f"{found} orphaned files" + (" deleted" if delete and found else ""))


def _exported(resource: Resource) -> dict:
    row = {name: getattr(resource, name) for name in EXPORTED}
    row.update(
        id=resource.pk,
        titles=resource.titles,
        subjects=resource.subjects,
        extra=resource.extra,
        files=[
            {"name": f.filename, "sha256": f.sha256, "size": f.size}
            for f in resource.files.all()
            if f.role == ResourceFile.Role.ORIGINAL
        ],
    )
    return row
