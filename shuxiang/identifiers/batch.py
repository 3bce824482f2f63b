"""Batch registration from CSV or JSON: streaming, per-row failures, idempotent re-runs.

Rows are read one at a time (CSV with a header row; a JSON array or JSON Lines), validated
in Python, and stored in batches with ``bulk_create`` — one transaction per batch, so a stopped
import loses at most the batch in flight and a re-run completes it. A row is already registered
(and skipped) when its supplied suffix's name exists, when the same library holds a live
identifier with its fingerprint, or when the same library has an identifier at its location.
Columns: location (or url), title, creator, date, rights, fingerprint, suffix, resource_type,
and optionally library (a library code; defaults to the import's library).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from types import SimpleNamespace

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from shuxiang.core import audit
from shuxiang.core.actors import Actor, actor_label
from shuxiang.core.errors import ServiceError, ValidationFailed
from shuxiang.identifiers import hooks, names, records, validation
from shuxiang.identifiers.bulk import insert_many, tune_for_bulk
from shuxiang.identifiers.models import Identifier, ResolveEntry
from shuxiang.identifiers.permissions import require_registrar_of
from shuxiang.identifiers.services import naming_prefix
from shuxiang.network.models import Library

META_COLUMNS = ("title", "creator", "date", "publisher", "language", "description")


@dataclass
class RowFailure:
    row: int
    field: str
    reason: str
    code: str


@dataclass
class ImportReport:
    created: int = 0
    existing: int = 0
    flagged: int = 0
    failures: list[RowFailure] = field(default_factory=list)

    @property
    def failed(self) -> int:
        return len({f.row for f in self.failures})

    def summary(self) -> str:
        return _("%(c)d registered, %(e)d already there, %(f)d failed, %(m)d flagged") % {
            "c": self.created,
            "e": self.existing,
            "f": self.failed,
            "m": self.flagged,
        }


def read_rows(stream: io.TextIOBase, fmt: str) -> Iterator[dict]:
    """Rows of a CSV (header row) or JSON (array or JSON Lines) text stream, one at a time."""
    if fmt == "csv":
        yield from csv.DictReader(stream)
    elif fmt in ("json", "jsonl"):
        yield from _json_objects(stream)
    else:
        raise ValidationFailed.single("format", _("Use csv or json."), "invalid")


def _json_objects(stream: io.TextIOBase, chunk: int = 1 << 16) -> Iterator[dict]:
    """Objects of a JSON array or of JSON Lines, decoded incrementally."""
    decoder = json.JSONDecoder()
    buffer, position = "", 0
    while True:
        while position < len(buffer) and buffer[position] in " \t\r\n,[]":
            position += 1
        try:
            value, end = decoder.raw_decode(buffer, position)
        except json.JSONDecodeError:
            more = stream.read(chunk)
            if not more:
                if buffer[position:].strip():
                    raise ValidationFailed.single("file", _("The JSON is malformed.")) from None
                return
            buffer, position = buffer[position:] + more, 0
            continue
        position = end
        yield value if isinstance(value, dict) else {"_invalid": value}


class _Batch:
    """One batch of numbered rows being checked against each other and the database."""

    def __init__(self, rows: list[tuple[int, dict]], library: Library, by: Actor, report, memo):
        self.rows, self.library, self.by, self.report = rows, library, by, report
        self.libraries: dict[str, Library] = memo.setdefault("libraries", {})
        self.prefixes: dict[int, str] = memo.setdefault("prefixes", {})

    def prefix_of(self, library: Library) -> str:
        if library.pk not in self.prefixes:
            self.prefixes[library.pk] = naming_prefix(library)
        return self.prefixes[library.pk]

    def fail(self, number: int, error: ServiceError) -> None:
        for item in error.errors or [None]:
            self.report.failures.append(
                RowFailure(
                    number,
                    item.field if item else "row",
                    item.reason if item else error.message,
                    item.code if item else "invalid",
                )
            )

    def clean(self) -> list[tuple[int, Library, validation.Cleaned]]:
        good = []
        for number, row in self.rows:
            try:
                library = self.library_of(row)
                self.prefix_of(library)  # the prefix guards may refuse the library's prefix
                cleaned = validation.clean(
                    location=row.get("location") or row.get("url") or "",
                    metadata={k: row.get(k) for k in META_COLUMNS if row.get(k)},
                    rights=row.get("rights") or "",
                    fingerprint=row.get("fingerprint") or None,
                    resource_type=row.get("resource_type") or "",
                    suffix=row.get("suffix") or None,
                )
            except ServiceError as exc:
                self.fail(number, exc)
                continue
            good.append((number, library, cleaned))
        return good

    def library_of(self, row: dict) -> Library:
        code = str(row.get("library") or "").strip().upper()
        if not code or code == self.library.code:
            return self.library
        if code not in self.libraries:
            library = Library.objects.filter(code=code).first()
            if library is None:
                raise ValidationFailed.single(
                    "library", _("No library has the code %(c)s.") % {"c": code}
                )
            require_registrar_of(self.by, library, action=_("register identifiers for"))
            self.libraries[code] = library
        return self.libraries[code]


def import_rows(
    rows: Iterable[dict],
    *,
    library: Library,
    by: Actor,
    batch_size: int = 5000,
    progress: bool = True,
    total: int | None = None,
) -> ImportReport:
    """Register every good row (active at once: the importer is staff of the library)."""
    require_registrar_of(by, library, action=_("import identifiers for"))
    report, memo = ImportReport(), {}
    numbered = enumerate(rows, start=1)
    tune_for_bulk()
    with tqdm(total=total, unit=" rows", disable=not progress, desc="identifiers") as bar:
        while chunk := list(islice(numbered, batch_size)):
            _store_batch(_Batch(chunk, library, by, report, memo))
            bar.update(len(chunk))
    audit.record(
        by,
        "identifiers.import",
        library,
        **{"created": report.created, "existing": report.existing, "failed": report.failed},
    )
    return report


@transaction.atomic
def _store_batch(batch: _Batch) -> None:
    cleaned = batch.clean()
    fresh = _drop_existing(batch, cleaned)
    similar = _similar(fresh)
    rows = [_row(library, batch.prefix_of(library), item, batch.by) for _n, library, item in fresh]
    minted = [row for row, (_n, _l, item) in zip(rows, fresh, strict=True) if not item.suffix]
    taken = set(
        Identifier.objects.filter(name__in=[r["name"] for r in minted]).values_list(
            "name", flat=True
        )
    )
    for row in minted:
        while row["name"] in taken:  # a minted clash (rare): mint again
            row["suffix"] = names.mint_suffix(row["prefix"])
            row["name"] = f"{row['prefix']}/{row['suffix']}"
        taken.add(row["name"])
    now = timezone.now()
    entries = []
    for row, (_n, library, _item) in zip(rows, fresh, strict=True):
        row["similar_to_id"] = similar.get(row["metadata_key"])
        view = SimpleNamespace(**row, locations=[{"url": row["location"]}], updated_at=now)
        body, etag = records.body_and_etag(view, library.code)
        entries.append(
            {
                "name": row["name"],
                "status": row["status"],
                "target": row["location"],
                "etag": etag,
                "record": body,
            }
        )
    stamps = {"created_at": now, "updated_at": now, "decided_at": now}
    insert_many(Identifier, rows, stamps)
    insert_many(ResolveEntry, entries, {})
    hooks.changed(entry["name"] for entry in entries)
    batch.report.created += len(rows)
    batch.report.flagged += sum(1 for r in rows if r["similar_to_id"])


def _row(library: Library, prefix: str, item: validation.Cleaned, by: Actor) -> dict:
    suffix = item.suffix or names.mint_suffix(prefix)
    return {
        "name": f"{prefix}/{suffix}",
        "prefix": prefix,
        "suffix": suffix,
        "library_id": library.pk,
        "status": Identifier.Status.ACTIVE,
        "resource_type": item.resource_type,
        "location": item.location,
        "mirrors": [],
        "metadata": item.metadata,
        "rights": item.rights,
        "fingerprint": item.fingerprint,
        "metadata_key": item.metadata_key,
        "registered_by_id": by.pk if getattr(by, "pk", None) else None,
        "registered_label": actor_label(by),
        "decision_reason": "",
        "version": 1,
    }


def _drop_existing(batch: _Batch, cleaned: list) -> list:
    """Skip rows already registered; refuse fingerprints another library holds."""
    supplied = {f"{batch.prefix_of(lib)}/{c.suffix}" for _, lib, c in cleaned if c.suffix}
    prints = {c.fingerprint for _, _, c in cleaned if c.fingerprint}
    # The location is the idempotency key only of rows with neither suffix nor fingerprint.
    places = {c.location for _, _, c in cleaned if not (c.suffix or c.fingerprint)}
    have_names = set(Identifier.objects.filter(name__in=supplied).values_list("name", flat=True))
    have_prints = dict(
        Identifier.objects.filter(
            fingerprint__in=prints, status__in=("pending", "active")
        ).values_list("fingerprint", "library_id")
    )
    have_places = set(
        Identifier.objects.filter(location__in=places).values_list("library_id", "location")
    )
    fresh, seen_prints, seen_names = [], {}, set()
    for number, library, item in cleaned:
        name = f"{batch.prefix_of(library)}/{item.suffix}" if item.suffix else None
        earlier = seen_prints.get(item.fingerprint)
        holder = have_prints.get(item.fingerprint) or (earlier and earlier[0])
        if holder and holder != library.pk:
            owner = (
                Identifier.objects.filter(fingerprint=item.fingerprint)
                .values_list("name", flat=True)
                .first()
            )
            batch.fail(number, validation.duplicate_conflict(owner or f"row {earlier[1]}"))
        elif name in have_names or holder or _same_place(item, library, have_places):
            batch.report.existing += 1
            continue
        elif name and name in seen_names:
            batch.fail(
                number,
                ValidationFailed.single(
                    "suffix", _("The suffix repeats an earlier row."), "duplicate"
                ),
            )
        else:
            fresh.append((number, library, item))
            if item.fingerprint:
                seen_prints[item.fingerprint] = (library.pk, number)
            if name:
                seen_names.add(name)
            if not (item.suffix or item.fingerprint):
                have_places.add((library.pk, item.location))
    return fresh


def _same_place(item: validation.Cleaned, library: Library, have_places: set) -> bool:
    keyless = not (item.suffix or item.fingerprint)
    return keyless and (library.pk, item.location) in have_places


def _similar(fresh: list) -> dict[str, int]:
    keys = {item.metadata_key for _, _, item in fresh if item.metadata_key}
    return dict(
        Identifier.objects.filter(
            metadata_key__in=keys, status__in=("pending", "active")
        ).values_list("metadata_key", "pk")
    )
