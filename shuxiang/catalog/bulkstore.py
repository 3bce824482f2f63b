"""Storing harvested pages in bulk (批量入库): one transaction and a few statements a page.

A page is checked record by record (a bad record is reported and skipped, the others are
stored), then written with one multi-row upsert on (source, local_id) a page; tombstones are
marked with one update. No text is analysed for search while a page is stored.

Clustering and search: finding each record's work (records with the same work key cluster,
whichever node holds them; ``clustering``) and analysing text for the index cost more than
storing a record, so a harvest does not wait for them. The ids of committed pages are collected
(``IndexBatch``) and handed, a few thousand at a time, to a background job
(``catalog.index_records``, ``core.jobs``: durable, retried) that clusters them into works and
then updates the index; until it has run, new records have no work and are not found by
search. The source remembers since when its records may be missing from the index; a harvest
killed before handing a batch over queues them again when it starts.
"""

from __future__ import annotations

import json
import logging
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from types import SimpleNamespace

from django.db import connection, transaction
from django.utils import timezone

from shuxiang.catalog import clustering, indexing, services
from shuxiang.catalog.models import AccessPolicy, Record, Source
from shuxiang.core import audit, jobs
from shuxiang.core.actors import SYSTEM
from shuxiang.network.models import Library

log = logging.getLogger(__name__)
_quoted = json.encoder.encode_basestring  # one JSON string, in C (json.dumps's own quoting)


def _json_strings(values: list[str]) -> str:
    """A JSON array of strings (creators, subjects, identifiers): each string quoted by the
    json module's C function, without an encoder object's per-call work."""
    return "[" + ",".join(map(_quoted, values)) + "]" if values else "[]"


COLUMNS = (
    "source_id", "local_id", "format", "payload", "datestamp", "source_datestamp", "encoding",
    "harvested_at", "deleted", "library_id", "access_policy", "set_specs", *services.TEXT_FIELDS,
    "title_folded", "creators", "subjects", "year", "identifiers", "isbn", "search_text",
    "holding_node", "holding_url",
)  # fmt: skip
POLICIES = frozenset(AccessPolicy.values)
UPSERT_ROWS = 500  # rows a statement (SQLite allows 32,766 parameters)
INDEX_BATCH = 5000  # record ids an index job
INDEX_JOB = "catalog.index_records"


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
    cleaned: bool = False  # fields already through ``services.clean_fields``


@dataclass
class PageResult:
    stored: int = 0
    deleted: int = 0
    problems: list[tuple[int, str]] = field(default_factory=list)  # (position, reason)


def index_job(job) -> None:
    """Job handler: cluster the records of the payload into works, then bring the search
    index up to date for them (a retry clusters again: nothing changes the second time)."""
    ids = [int(i) for i in job.payload["ids"]]
    clustering.assign_works(ids)
    indexing.refresh(ids)


class Libraries:
    """Library codes → libraries, looked up once per harvest."""

    def __init__(self) -> None:
        self.known: dict[str, Library | None] = {}
        self.specs: dict[tuple, str] = {}  # set specs by (library id, type, collection)

    def resolve(self, codes: Iterable[str]) -> None:
        missing = {c for c in codes if c and c not in self.known}
        if missing:
            found = {lib.code: lib for lib in Library.objects.filter(code__in=missing)}
            self.known.update({code: found.get(code) for code in missing})

    def get(self, code: str) -> Library | None:
        return self.known.get(code) if code else None


class IndexBatch:
    """Ids of records changed by committed pages, handed to index jobs in batches."""

    def __init__(self, source: Source, size: int = INDEX_BATCH) -> None:
        self.source, self.size = source, size
        self.ids: set[int] = set()

    def add(self, ids: Iterable[int]) -> None:
        """After a page commits: remember its ids; queue a job when the batch is full."""
        self.ids.update(ids)
        if len(self.ids) >= self.size:
            self.flush()

    @transaction.atomic
    def flush(self) -> None:
        ids = sorted(self.ids)
        for start in range(0, len(ids), self.size):
            jobs.defer(INDEX_JOB, {"ids": ids[start : start + self.size]})
        self.ids = set()
        self.source.index_pending_since = None
        Source.objects.filter(pk=self.source.pk).update(index_pending_since=None)


@transaction.atomic
def repair_index(source: Source) -> int:
    """Queue the index update a killed harvest may not have queued; how many records."""
    since = Source.objects.filter(pk=source.pk).values_list("index_pending_since", flat=True)[0]
    if since is None:
        return 0
    ids = list(
        Record.objects.filter(source=source, datestamp__gte=since).values_list("id", flat=True)
    )
    batch = IndexBatch(source)
    batch.ids.update(ids)
    batch.flush()
    log.info("queued reindexing of %d records of %s left by an interrupted harvest",
             len(ids), source.key)  # fmt: skip
    return len(ids)


def commit_without_waiting() -> None:
    """In a harvested page's transaction: its commit does not wait for the write-ahead log to
    reach the disk (PostgreSQL's asynchronous commit, for this transaction only).

    Should the database server crash just after, the page's records and its resumption token,
    committed together, are lost together, so the next harvest asks for that page again and
    stores it then: the child node holds the records, nothing is lost or stored twice, and no
    progress marker gets ahead of what is stored. The WAL is flushed in order, so anything that
    follows the page (its index job) is never kept without it. A harvest killed outright
    (SIGKILL) loses nothing that committed: the server still has it."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


@transaction.atomic(savepoint=False)  # the harvester's page transaction: no savepoint
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
    row = RowMaker(source, now, encoding, libraries)
    rows = [row(item) for item in live.values()]
    ids: list[int] = []
    step = max(len(rows), 1) if connection.vendor == "postgresql" else UPSERT_ROWS  # one COPY
    for start in range(0, len(rows), step):
        ids += _upsert(rows[start : start + step])
    removed = _delete(source, list(gone), now)
    result.stored += sum(1 for item in items if item.local_id in live and not item.deleted)
    result.deleted = len(removed)
    _index_later(source, ids + removed, now, batch)
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
            if not item.cleaned:
                item.fields, item.cleaned = services.clean_fields(item.fields), True
            live[item.local_id] = item
    return live, gone


def clean(items: Iterable[Incoming | None]) -> None:
    """Clean the fields of records ahead of ``store_page`` (no database: any thread)."""
    for item in items:
        if item is not None and not item.deleted and not item.cleaned:
            item.fields, item.cleaned = services.clean_fields(item.fields), True


def _problem(item: Incoming) -> str:
    if not item.local_id or len(item.local_id) > 255:
        return "local_id: give an identifier of 1 to 255 characters"
    if item.access_policy not in POLICIES:
        return f"access_policy: unknown policy {item.access_policy[:40]!r}"
    if not item.deleted and not str(item.fields.get("title") or "").strip():
        return "title: a record needs a title"
    return ""


class RowMaker:
    """Turns a page's checked records into rows: tuples in ``COLUMNS`` order, ready for the
    database (times and JSON already converted; set specs worked out once per library,
    type and collection)."""

    def __init__(self, source: Source, now, encoding: str, libraries: Libraries) -> None:
        self.source, self.libraries = source, libraries
        stamp = connection.ops.adapt_datetimefield_value(now)
        self.head = (source.pk,)
        self.times = (stamp, encoding[:32], stamp, False)
        self.specs: dict[tuple, str] = libraries.specs
        self.own = source.library
        self.texts = itemgetter(*services.TEXT_FIELDS)

    def __call__(self, item: Incoming) -> tuple:
        library = self.libraries.known.get(item.library_code) if item.library_code else None
        library = library or self.own
        f = item.fields
        creators, subjects, identifiers = f["creators"], f["subjects"], f["identifiers"]
        return (
            *self.head, item.local_id, item.fmt, item.payload, self.times[0],
            item.source_datestamp[:40], *self.times[1:],
            library.pk if library else None, item.access_policy,
            self._specs(library, f["type"], f["collection"]), *self.texts(f),
            f["title_folded"], _json_strings(creators), _json_strings(subjects), f["year"],
            _json_strings(identifiers), f["isbn"], "",
            item.holding_node[:500], item.holding_url[:1000],
        )  # fmt: skip

    def _specs(self, library, kind: str, collection: str) -> str:
        key = (library.pk if library else None, kind, collection)
        if key not in self.specs:
            record = SimpleNamespace(
                library=library, library_id=key[0], type=kind, collection=collection
            )
            self.specs[key] = "|" + "|".join(services.set_specs_for(record)) + "|"
        return self.specs[key]


def _upsert(rows: list[tuple]) -> list[int]:
    """INSERT … ON CONFLICT (source, local_id) DO UPDATE, RETURNING the ids: one statement for
    many rows, no model instances (on PostgreSQL from the rows copied into a staging table)."""
    quote = connection.ops.quote_name
    names = ", ".join(quote(c) for c in COLUMNS)
    updates = ", ".join(
        f"{quote(c)} = excluded.{quote(c)}"
        for c in COLUMNS[2:]
        if c != "search_text"  # new rows start unindexed; changed ones keep theirs until the job
    )
    conflict = f"ON CONFLICT (source_id, local_id) DO UPDATE SET {updates} RETURNING id"
    table = quote(Record._meta.db_table)
    if connection.vendor == "postgresql":
        return _copy_upsert(rows, table, names, conflict)
    one = "(" + ", ".join(["?"] * len(COLUMNS)) + ")"
    sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([one] * len(rows))} {conflict}"
    connection.ensure_connection()  # the sqlite3 connection itself: qmark placeholders as
    rows = connection.connection.execute(sql, list(chain.from_iterable(rows)))  # written
    return [pk for (pk,) in rows]


STAGING = "catalog_record_incoming"
_STAGED: weakref.WeakSet = weakref.WeakSet()  # database sessions that made the staging table


def _copy_upsert(rows: list[tuple], table: str, names: str, conflict: str) -> list[int]:
    """PostgreSQL: ``COPY`` the rows into a temporary staging table (psycopg writes COPY rows
    in C; no statement with thousands of parameters or arrays to adapt), then one statement
    moves them out of it (``DELETE … RETURNING``) into the table with the upsert.

    The staging table is made once per database session and emptied by every commit
    (``ON COMMIT DELETE ROWS``): a page costs two statements, not four (each one a round trip
    that the harvest waits for), and the table never holds more than one page's rows."""
    with connection.cursor() as cursor:
        session = connection.connection
        if session not in _STAGED:
            cursor.execute(
                f"CREATE TEMPORARY TABLE IF NOT EXISTS {STAGING} ON COMMIT DELETE ROWS "
                f"AS SELECT {names} FROM {table} WITH NO DATA"
            )
            transaction.on_commit(lambda: _STAGED.add(session))  # a rollback undoes it
        with cursor.cursor.copy(f"COPY {STAGING} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"WITH incoming AS (DELETE FROM {STAGING} RETURNING {names}) "
            f"INSERT INTO {table} ({names}) SELECT {names} FROM incoming {conflict}"
        )
        return [pk for (pk,) in cursor.fetchall()]


def _delete(source: Source, local_ids: list[str], now) -> list[int]:
    """Tombstones for records the page says are deleted; their ids."""
    if not local_ids:
        return []
    rows = Record.objects.filter(source=source, local_id__in=local_ids, deleted=False)
    ids = list(rows.values_list("id", flat=True))
    Record.objects.filter(pk__in=ids).update(deleted=True, datestamp=now)
    if ids:
        audit.record(SYSTEM, "catalog.harvest_deleted", source, records=len(ids))
    return ids


def _index_later(source: Source, ids: list[int], now, batch: IndexBatch | None) -> None:
    """The index update of these records: batched by the harvest, else after this commit."""
    if not ids:
        return
    if batch is None:
        clustering.assign_works(ids)
        for record_id in ids:
            indexing.schedule(record_id)
        return
    if source.index_pending_since is None:
        source.index_pending_since = now
        Source.objects.filter(pk=source.pk).update(index_pending_since=now)
    transaction.on_commit(lambda: batch.add(ids))
