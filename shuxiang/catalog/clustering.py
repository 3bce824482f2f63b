"""Clustering records into works (作品聚合), many records at a time.

A record's work key (``normalize.work_key``: the ISBN-13, else folded title + first creator +
year) names its work; records with the same key, from any source or node, share one work.
Harvests leave it to the index job (``bulkstore.index_job``), which clusters a few thousand
records with a handful of statements before indexing them, so that a harvested page is stored
without analysing its text. Rows are read as tuples and the new work ids written with one
statement per chunk (no model instance per record).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from django.db import connection, transaction

from shuxiang.catalog import normalize
from shuxiang.catalog.models import Record, Work

CHUNK = 500  # keys or rows a statement (SQLite allows 32,766 parameters)
READ_CHUNK = 5000  # record ids a read
KEY_COLUMNS = ("id", "isbn", "title", "creators", "year", "work_id")


class KeyRow(NamedTuple):
    pk: int
    isbn: str
    title: str
    creators: list
    year: int | None
    work_id: int | None


def key_of(record) -> str:
    return normalize.work_key(
        isbn=record.isbn, title=record.title, creators=record.creators, year=record.year
    )


@transaction.atomic
def assign_works(record_ids: Iterable[int]) -> int:
    """Each live record among ``record_ids`` joins the work of its key (created when new);
    works left without records are deleted. How many records changed work."""
    ids = list(record_ids)
    records: list[KeyRow] = []
    for start in range(0, len(ids), READ_CHUNK):
        rows = Record.objects.filter(pk__in=ids[start : start + READ_CHUNK], deleted=False)
        records += map(KeyRow._make, rows.values_list(*KEY_COLUMNS))
    keys = {record.pk: key_of(record) for record in records}
    first: dict[str, KeyRow] = {}
    for record in records:
        first.setdefault(keys[record.pk], record)
    works = works_for(first)
    changed = [(works[keys[r.pk]], r.pk) for r in records if r.work_id != works[keys[r.pk]]]
    previous = {r.work_id for r in records if r.work_id != works[keys[r.pk]]} - {None}
    set_works(changed)
    if previous:
        Work.objects.filter(pk__in=previous, records__isnull=True).delete()
    return len(changed)


def set_works(pairs: list[tuple[int, int]]) -> None:
    """(work id, record id) pairs written: PostgreSQL one UPDATE … FROM unnest a chunk,
    SQLite one prepared UPDATE run for every pair."""
    if not pairs:
        return
    table = connection.ops.quote_name(Record._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for start in range(0, len(pairs), READ_CHUNK):
                chunk = pairs[start : start + READ_CHUNK]
                cursor.execute(
                    f"UPDATE {table} AS r SET work_id = t.work FROM unnest(%s::bigint[],"
                    " %s::bigint[]) AS t(work, id) WHERE r.id = t.id",
                    [[work for work, _ in chunk], [pk for _, pk in chunk]],
                )
        else:
            cursor.executemany(f"UPDATE {table} SET work_id = %s WHERE id = %s", pairs)


def works_for(first: dict) -> dict[str, int]:
    """Work id by key, the missing works created (titled after the first record of each)."""
    keys = list(first)
    works: dict[str, int] = {}
    for start in range(0, len(keys), CHUNK):
        chunk = keys[start : start + CHUNK]
        works.update(Work.objects.filter(key__in=chunk).values_list("key", "id"))
    new = [
        Work(key=key, title=r.title[:500], creators=r.creators, year=r.year)
        for key, r in first.items()
        if key not in works
    ]
    if new:
        Work.objects.bulk_create(new, ignore_conflicts=True, batch_size=CHUNK)
        missing = [work.key for work in new]
        for start in range(0, len(missing), CHUNK):
            chunk = missing[start : start + CHUNK]
            works.update(Work.objects.filter(key__in=chunk).values_list("key", "id"))
    return works
