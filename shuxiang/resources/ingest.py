"""Batch import of a folder with a manifest (CSV, JSON Lines or JSON): how libraries load TBs.

Rows stream one at a time; each row's resource and its ``ImportRow`` commit together, so a run
killed at any point resumes after the last finished row when started again with the same
manifest. Re-running is idempotent: finished rows are skipped, and a file already held by the
library (same SHA-256) is reported as a duplicate, never stored twice. Bad rows are reported
with field and reason and the import carries on.
"""

from __future__ import annotations

import csv
import hashlib
import json
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.core import audit
from shuxiang.core.actors import Actor
from shuxiang.core.errors import Conflict, FieldError, ServiceError
from shuxiang.core.textfiles import open_text
from shuxiang.resources import permissions, services
from shuxiang.resources.models import Collection, ImportBatch, ImportRow
from shuxiang.resources.validation import clean_metadata

FILE_SEPARATOR = "|"
SKIP_KEYS = {"file", "files", "id", "status", "identifier"}


@dataclass
class Report:
    batch: ImportBatch
    counts: dict[str, int] = field(default_factory=dict)
    bytes: int = 0
    seconds: float = 0.0
    skipped: int = 0

    @property
    def rate(self) -> float:
        """Imported megabytes per second (checksums included)."""
        return self.bytes / 1e6 / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        parts = ", ".join(f"{k} {v}" for k, v in sorted(self.counts.items()))
        return (
            f"{parts or 'nothing new'}; {self.skipped} rows already done; "
            f"{self.bytes / 1e6:.1f} MB in {self.seconds:.1f} s ({self.rate:.1f} MB/s)"
        )


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(path: Path) -> Iterator[dict[str, Any] | str]:
    """Yield rows as dicts (or the reason a line cannot be read), streaming CSV and JSONL."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        with open_text(path, "manifest") as handle:
            yield from csv.DictReader(handle)
    elif suffix in (".jsonl", ".ndjson"):
        with open_text(path, "manifest") as handle:
            for line in handle:
                if not line.strip():
                    continue
                try:
                    row = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield f"not valid JSON: {exc.msg}"
                    continue
                yield row if isinstance(row, dict) else "each line must be a JSON object"
    elif suffix == ".json":
        with open_text(path, "manifest") as handle:
            rows = json.load(handle)
        for row in rows if isinstance(rows, list) else []:
            yield row if isinstance(row, dict) else "each entry must be a JSON object"
    else:
        raise ValueError(f"manifest must be .csv, .jsonl or .json, not {suffix or 'no suffix'}")


def row_metadata(row: dict[str, Any]) -> dict[str, Any]:
    """Resource fields of a manifest row: flat ``extra.x``/``titles.x`` columns are nested."""
    data: dict[str, Any] = {}
    for key, value in row.items():
        if key in SKIP_KEYS or value in (None, ""):
            continue
        if key.startswith(("extra.", "titles.")):
            group, _dot, name = key.partition(".")
            data.setdefault(group, {})[name] = value
        else:
            data[key] = value
    return data


def row_files(folder: Path, row: dict[str, Any]) -> list[Path]:
    """The row's files, which must exist inside ``folder`` (no escaping it)."""
    raw = row.get("files") or row.get("file") or ""
    names = raw if isinstance(raw, list) else [n for n in str(raw).split(FILE_SEPARATOR) if n]
    names = [n.get("name", "") if isinstance(n, dict) else n for n in names]
    if not names:
        raise ServiceError(_("Row has no file."), [FieldError("file", _("Name the file."))])
    paths = []
    for index, name in enumerate(names):
        path = (folder / str(name).strip()).resolve()
        problem = None
        if not path.is_relative_to(folder):
            problem = _("%(name)s lies outside the import folder.") % {"name": name}
        elif not path.is_file():
            problem = _("%(name)s does not exist in the import folder.") % {"name": name}
        if problem:
            raise ServiceError(problem, [FieldError(f"file.{index}", problem, "missing")])
        paths.append(path)
    return paths


def open_batch(folder: Path, manifest: Path, collection: Collection, by: Actor) -> ImportBatch:
    """The batch of this manifest in this collection (resumed when it already exists)."""
    permissions.require_staff_of(by, collection.library, action=_("import resources"))
    with open_text(manifest, "manifest"):
        pass  # refused here, before a batch exists, when the manifest is not UTF-8 or GB18030
    digest = file_sha256(manifest)
    batch, created = ImportBatch.objects.get_or_create(
        collection=collection,
        manifest_sha256=digest,
        defaults={
            "library": collection.library,
            "folder": str(folder),
            "manifest": str(manifest),
            "started_by": services.person_or_none(by),
        },
    )
    if created:
        batch.total_rows = sum(1 for _row in read_manifest(manifest))
        batch.save(update_fields=["total_rows"])
        audit.record(by, "resources.import", batch, manifest=str(manifest))
    return batch


def _store_row(batch: ImportBatch, number: int, row: Any, folder: Path, by: Actor) -> ImportRow:
    if isinstance(row, str):
        raise ServiceError(row, [FieldError("row", row)])
    cleaned = clean_metadata(row_metadata(row))
    uploads = []
    for path in row_files(folder, row):
        uploads.append(services.Upload(path.name, open(path, "rb")))  # noqa: SIM115
    try:
        services.check_uploads(cleaned["type"], uploads)
        # keys fixed by batch and row: a rerun after a kill replaces, never adds a copy
        stored = services.store_uploads(
            batch.library, uploads, batch=f"import-{batch.pk}-row-{number}"
        )
    finally:
        for item in uploads:
            item.stream.close()
    size = sum(result.size for _item, result in stored)
    try:
        with transaction.atomic():
            resource = services.create_records(cleaned, batch.collection, by, stored)
            return ImportRow.objects.create(
                batch=batch, number=number, outcome=ImportRow.Outcome.STORED,
                resource=resource, bytes=size,
            )  # fmt: skip
    except Conflict as exc:
        services.discard(stored)
        if exc.errors and exc.errors[0].code == "duplicate":
            existing = services.duplicate_of(batch.library, stored[0][1].sha256)
            return ImportRow.objects.create(
                batch=batch, number=number, outcome=ImportRow.Outcome.DUPLICATE,
                resource=existing, bytes=size,
            )  # fmt: skip
        raise
    except BaseException:
        services.discard(stored)
        raise


def _record_failure(batch: ImportBatch, number: int, errors: list[dict]) -> ImportRow:
    return ImportRow.objects.create(
        batch=batch, number=number, outcome=ImportRow.Outcome.FAILED, errors=errors
    )


def import_folder(
    folder: Path,
    manifest: Path,
    *,
    collection: Collection,
    by: Actor,
    progress: bool = False,
    on_row: Callable[[ImportRow], None] | None = None,
) -> Report:
    """Import (or resume importing) every row of ``manifest``; return the report of this run."""
    from tqdm import tqdm

    folder, manifest = Path(folder).resolve(), Path(manifest).resolve()
    batch = open_batch(folder, manifest, collection, by)
    done = set(batch.rows.values_list("number", flat=True))
    report = Report(batch=batch, skipped=len(done))
    started = time.monotonic()
    bar = tqdm(total=batch.total_rows, initial=len(done), unit="row", disable=not progress)
    with bar:
        for number, row in enumerate(read_manifest(manifest), start=1):
            if number in done:
                continue
            try:
                outcome = _store_row(batch, number, row, folder, by)
            except ServiceError as exc:
                outcome = _record_failure(batch, number, [e.as_dict() for e in exc.errors])
            except OSError as exc:
                outcome = _record_failure(batch, number, [{"field": "file", "reason": str(exc)}])
            report.counts[outcome.outcome] = report.counts.get(outcome.outcome, 0) + 1
            report.bytes += outcome.bytes if outcome.outcome == ImportRow.Outcome.STORED else 0
            bar.update(1)
            if on_row:
                on_row(outcome)
    report.seconds = time.monotonic() - started
    batch.finished = batch.rows.count() >= batch.total_rows
    batch.save(update_fields=["finished", "updated_at"])
    return report
