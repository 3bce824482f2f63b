"""Storing harvested pages in bulk (批量入库): one transaction and a few statements a page.

A page is checked record by record (a bad record is reported and skipped, the others are
stored), then written with one upsert on (source, local_id); its works are found or created
with a few statements (records with the same work key cluster, whichever node holds them);
tombstones are marked with one update. Search: in server mode the analyzed text goes into the
same upsert (PostgreSQL indexes it itself); another backend (the embedded tantivy index) is
updated in batches of pages (``IndexBatch``), and the source remembers since when its records
may be missing from the index, so a harvest killed between a page's commit and the next batch
reindexes them when it starts again.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.db import connection, transaction
from django.utils import timezone

from shuxiang.catalog import normalize, services
from shuxiang.catalog.models import AccessPolicy, Record, Source, Work
from shuxiang.catalog.search.base import document_of, get_backend
from shuxiang.catalog.search.postgres_backend import search_text_of
from shuxiang.core import audit, pagecache
from shuxiang.core.actors import SYSTEM
from shuxiang.network.models import Library

log = logging.getLogger(__name__)
COLUMNS = (
    "source_id", "local_id", "format", "payload", "datestamp", "source_datestamp", "encoding",
    "harvested_at", "deleted", "library_id", "access_policy", "set_specs", *services.TEXT_FIELDS,
    "title_folded", "creators", "subjects", "year", "identifiers", "isbn", "work_id",
    "search_text", "holding_node", "holding_url",
)  # fmt: skip
ATTRIBUTES = {"format": "fmt"}
JSON_COLUMNS = {"creators", "subjects", "identifiers"}
TIME_COLUMNS = {"datestamp", "harvested_at"}
UPSERT_ROWS = 500  # rows a statement (SQLite allows 32,766 parameters)
INDEX_BATCH = 5000  # records a batch of the embedded index (one commit each)


@dataclass
class Incoming:
    """One harvested record, parsed: what the page says about it."""

    local_id: str
    deleted: bool = False
    fields: dict = field(default_factory=dict)
    payload: str = ""
    fmt: str = "oai_dc"
    source_datestamp: str = ""
    library_code: str = ""
    access_policy: str = AccessPolicy.PUBLIC
    holding_node: str = ""
    holding_url: str = ""


@dataclass
class PageResult:
    stored: int = 0
    deleted: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)  # (position, reason)


def inline_search_text() -> bool:
    """Whether the index is the record's own ``search_text`` (PostgreSQL full-text search)."""
    return get_backend().name == "postgres"


class Libraries:
    """Library codes → libraries, looked up once per harvest."""

    def __init__(self) -> None:
        self.known: dict[str, Library | None] = {}

    def resolve(self, codes: Iterable[str]) -> None:
        missing = {c for c in codes if c and c not in self.known}
        if missing:
            found = {lib.code: lib for lib in Library.objects.filter(code__in=missing)}
            self.known.update({code: found.get(code) for code in missing})

    def get(self, code: str) -> Library | None:
        return self.known.get(code) if code else None


class IndexBatch:
    """Index changes of committed pages, written to a non-PostgreSQL index in batches."""

    def __init__(self, source: Source, size: int = INDEX_BATCH) -> None:
        self.source, self.size = source, size
        self.documents: dict[int, dict] = {}
        self.removed: set[int] = set()
        self.inline = inline_search_text()

    def add(self, documents: dict[int, dict], removed: Iterable[int]) -> None:
        """After a page commits: remember its changes; write them when the batch is full."""
        for record_id in removed:
            self.documents.pop(record_id, None)
            self.removed.add(record_id)
        for record_id, document in documents.items():
            self.removed.discard(record_id)
            self.documents[record_id] = document
        if len(self.documents) + len(self.removed) >= self.size:
            self.flush()

    def flush(self) -> None:
        if not self.inline and (self.documents or self.removed):
            get_backend().replace_documents(list(self.documents.values()), sorted(self.removed))
        self.documents, self.removed = {}, set()
        self.source.index_pending_since = None
        Source.objects.filter(pk=self.source.pk).update(index_pending_since=None)
        pagecache.changed()


def repair_index(source: Source) -> int:
    """Reindex the records a killed harvest may have left out of the index; how many."""
    since = Source.objects.filter(pk=source.pk).values_list("index_pending_since", flat=True)[0]
    if since is None:
        return 0
    ids = list(
        Record.objects.filter(source=source, datestamp__gte=since).values_list("id", flat=True)
    )
    for start in range(0, len(ids), INDEX_BATCH):
        get_backend().update(ids[start : start + INDEX_BATCH])
    Source.objects.filter(pk=source.pk).update(index_pending_since=None)
    log.info("reindexed %d records of %s left by an interrupted harvest", len(ids), source.key)
    return len(ids)


@transaction.atomic
def store_page(
    source: Source,
    items: list[Incoming],
    *,
    encoding: str = "",
    libraries: Libraries | None = None,
    batch: IndexBatch | None = None,
) -> PageResult:
    """Store a harvested page (inside the caller's transaction, which also holds its token)."""
    result, now = PageResult(), timezone.now().replace(microsecond=0)
    libraries = libraries or Libraries()
    live, gone = _checked(items, result)
    libraries.resolve(item.library_code for item in live.values())
    existing = dict(
        Record.objects.filter(source=source, local_id__in=[*live, *gone]).values_list(
            "local_id", "work_id"
        )
    )
    records = [
        _record(source, item, now, encoding, libraries.get(item.library_code))
        for item in live.values()
    ]
    _cluster(records)
    inline = inline_search_text()
    documents = {}
    for record in records:
        document = document_of(record)
        if inline:
            record.search_text = search_text_of(document)
        documents[record.local_id] = document
    for start in range(0, len(records), UPSERT_ROWS):
        _upsert(records[start : start + UPSERT_ROWS])
    removed = _delete(source, [g for g in gone if g in existing], now, inline)
    result.stored += sum(1 for item in items if item.local_id in live and not item.deleted)
    result.deleted = len(removed)
    _drop_empty_works(existing, records)
    _after_commit(source, records, documents, removed, now, batch, inline)
    return result


def _checked(items: list[Incoming], result: PageResult) -> tuple[dict, dict]:
    """(live items by id, tombstones by id), the last word on an id winning; problems noted."""
    live: dict[str, Incoming] = {}
    gone: dict[str, Incoming] = {}
    for position, item in enumerate(items, 1):
        reason = _problem(item)
        if reason:
            result.problems.append((position, reason))
            continue
        if item.deleted:
            live.pop(item.local_id, None)
            gone[item.local_id] = item
        else:
            gone.pop(item.local_id, None)
            item.fields = services.clean_fields(item.fields)
            live[item.local_id] = item
    return live, gone


def _problem(item: Incoming) -> str:
    if not item.local_id or len(item.local_id) > 255:
        return "local_id: give an identifier of 1 to 255 characters"
    if item.access_policy not in AccessPolicy.values:
        return f"access_policy: unknown policy {item.access_policy[:40]!r}"
    if not item.deleted and not str(item.fields.get("title") or "").strip():
        return "title: a record needs a title"
    return ""


class Row(SimpleNamespace):
    """A record about to be written: the columns, plus what set specs and the index read."""


def _record(source, item: Incoming, now, encoding: str, library) -> Row:
    library = library or source.library
    record = Row(
        pk=None,
        source_id=source.pk,
        local_id=item.local_id,
        fmt=item.fmt,
        payload=item.payload,
        datestamp=now,
        source_datestamp=item.source_datestamp[:40],
        encoding=encoding[:32],
        harvested_at=now,
        deleted=False,
        library=library,
        library_id=library.pk if library else None,
        access_policy=item.access_policy,
        work_id=None,
        search_text="",
        holding_node=item.holding_node[:500],
        holding_url=item.holding_url[:1000],
        **item.fields,
    )
    record.set_specs = "|" + "|".join(services.set_specs_for(record)) + "|"
    return record


def _upsert(records: list[Row]) -> None:
    """INSERT … ON CONFLICT (source, local_id) DO UPDATE, RETURNING the ids (PostgreSQL and
    SQLite alike): one statement for many rows, no model instances."""
    table = connection.ops.quote_name(Record._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in COLUMNS)
    updates = ", ".join(
        f"{connection.ops.quote_name(c)} = excluded.{connection.ops.quote_name(c)}"
        for c in COLUMNS[2:]
    )
    placeholders = "(" + ", ".join(["%s"] * len(COLUMNS)) + ")"
    sql = (
        f"INSERT INTO {table} ({names}) VALUES {', '.join([placeholders] * len(records))} "
        f"ON CONFLICT (source_id, local_id) DO UPDATE SET {updates} RETURNING id, local_id"
    )
    params = [value for record in records for value in _values(record)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        ids = dict((local_id, pk) for pk, local_id in cursor.fetchall())
    for record in records:
        record.pk = ids[record.local_id]


def _values(record: Row) -> list:
    ops = connection.ops
    values = []
    for column in COLUMNS:
        value = getattr(record, ATTRIBUTES.get(column, column))
        if column in JSON_COLUMNS:
            value = ops.adapt_json_value(value, None)
        elif column in TIME_COLUMNS:
            value = ops.adapt_datetimefield_value(value)
        values.append(value)
    return values


def _cluster(records: list[Row]) -> None:
    """Each record joins the work of its key (created when new): two to three statements."""
    keys = {
        id(r): normalize.work_key(isbn=r.isbn, title=r.title, creators=r.creators, year=r.year)
        for r in records
    }
    works = dict(Work.objects.filter(key__in=set(keys.values())).values_list("key", "id"))
    new = {
        keys[id(r)]: Work(key=keys[id(r)], title=r.title[:500], creators=r.creators, year=r.year)
        for r in records
        if keys[id(r)] not in works
    }
    if new:
        Work.objects.bulk_create(new.values(), ignore_conflicts=True)
        works.update(Work.objects.filter(key__in=list(new)).values_list("key", "id"))
    for record in records:
        record.work_id = works[keys[id(record)]]


def _delete(source: Source, local_ids: list[str], now, inline: bool) -> list[int]:
    """Tombstones for records the page says are deleted; their ids."""
    if not local_ids:
        return []
    rows = Record.objects.filter(source=source, local_id__in=local_ids, deleted=False)
    ids = list(rows.values_list("id", flat=True))
    changes = {"deleted": True, "datestamp": now, **({"search_text": ""} if inline else {})}
    Record.objects.filter(pk__in=ids).update(**changes)
    if ids:
        audit.record(SYSTEM, "catalog.harvest_deleted", source, records=len(ids))
    return ids


def _drop_empty_works(existing: dict[str, int | None], records: list[Record]) -> None:
    previous = {existing.get(r.local_id) for r in records} - {r.work_id for r in records}
    previous.discard(None)
    if previous:
        Work.objects.filter(pk__in=previous, records__isnull=True).delete()


def _after_commit(source, records, documents, removed, now, batch, inline) -> None:
    """Index the page once it commits: in the same statement (PostgreSQL), else in batches."""
    if inline:
        if records or removed:
            transaction.on_commit(pagecache.changed)
        return
    if not records and not removed:
        return
    by_id = {}
    for record in records:
        documents[record.local_id]["id"] = record.pk
        by_id[record.pk] = documents[record.local_id]
    if batch is None:
        transaction.on_commit(lambda: get_backend().replace_documents(list(by_id.values()), removed))
        return
    if source.index_pending_since is None:
        source.index_pending_since = now
        Source.objects.filter(pk=source.pk).update(index_pending_since=now)
    transaction.on_commit(lambda: batch.add(by_id, removed))
