"""Clustering records into works (作品聚合), many records at a time.

A record's work key (``normalize.work_key``: the ISBN-13, else folded title + first creator +
year) names its work; records with the same key, from any source or node, share one work.
Harvests leave it to the index job (``bulkstore.index_job``), which clusters a few thousand
records with a handful of statements before indexing them, so that a harvested page is stored
without analysing its text.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from shuxiang.catalog import normalize
from shuxiang.catalog.models import Record, Work

CHUNK = 500  # keys or rows a statement (SQLite allows 32,766 parameters)
KEY_COLUMNS = ("id", "isbn", "title", "creators", "year", "work_id")


def key_of(record) -> str:
    return normalize.work_key(
        isbn=record.isbn, title=record.title, creators=record.creators, year=record.year
    )


@transaction.atomic
def assign_works(record_ids: Iterable[int]) -> int:
    """Each live record among ``record_ids`` joins the work of its key (created when new);
    works left without records are deleted. How many records changed work."""
    ids = list(record_ids)
    records = []
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        records += Record.objects.filter(pk__in=chunk, deleted=False).only(*KEY_COLUMNS)
    keys = {record.pk: key_of(record) for record in records}
    works = works_for({keys[r.pk]: r for r in records})
    changed = [r for r in records if r.work_id != works[keys[r.pk]]]
    previous = {r.work_id for r in changed} - {None}
    for record in changed:
        record.work_id = works[keys[record.pk]]
    Record.objects.bulk_update(changed, ["work"], batch_size=CHUNK)
    if previous:
        Work.objects.filter(pk__in=previous, records__isnull=True).delete()
    return len(changed)


def works_for(first: dict[str, Record]) -> dict[str, int]:
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
