"""Writing a job's rows back into the analytics tables that pages read (one transaction).

Rows arrive in batches (``engines.Result.batches``) and are written in batches, so memory stays
bounded whatever the result's size. The old results are deleted and the new ones written in one
transaction: pages read the old results until it commits, and a failure at any batch rolls it
back, leaving them as they were (never half replaced). Jobs whose rows are kept per item or per
reader (co_session, co_readers, reader_history) return them ordered by it (see ``jobs.py``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from itertools import groupby, islice

from django.db import models, transaction

from shuxiang.analytics import serving
from shuxiang.analytics.models import PopularItem, ReaderRecommendation, RelatedItem, ReportCell
from shuxiang.analytics.recommend import personal
from shuxiang.core import options

REPORTS = ("weekday_hour", "channel", "resource_type", "utilisation", "zero_results", "cohorts")
BATCH = 5_000
Batches = Iterable[list[tuple]]


def rows_of(batches: Batches) -> Iterator[tuple]:
    return (row for batch in batches for row in batch)


def write(model: type[models.Model], objects: Iterable[models.Model]) -> int:
    """Insert ``objects`` ``BATCH`` at a time (never all in memory); return how many."""
    objects, written = iter(objects), 0
    while chunk := list(islice(objects, BATCH)):
        model.objects.bulk_create(chunk)
        written += len(chunk)
    return written


def grouped(rows: Iterable[tuple], what: str) -> Iterator[tuple[str, Iterator[tuple]]]:
    """Rows grouped by their first column, which must come in ascending order."""
    previous = None
    for key, group in groupby(rows, key=lambda row: row[0]):
        if previous is not None and key < previous:
            raise ValueError(f"rows must come ordered by {what} ({key!r} after {previous!r})")
        previous = key
        yield key, group


def _cells(job: str, batches: Batches) -> int:
    ReportCell.objects.filter(report=job).delete()
    return write(
        ReportCell,
        (
            ReportCell(report=job, scope=s, key=k[:300], key2=k2[:40], value=v)
            for s, k, k2, v in rows_of(batches)
        ),
    )


def _first_use(batches: Batches) -> int:
    return _cells("first_use", ([("", item, day, 0) for item, day in b] for b in batches))


def _popularity(batches: Batches) -> int:
    PopularItem.objects.all().delete()
    written = write(
        PopularItem,
        (
            PopularItem(scope=s, item_id=i, title=(t or "")[:300], uses=u, readers=r)
            for s, i, t, u, r in rows_of(batches)
        ),
    )
    transaction.on_commit(serving.forget_popular)
    return written


def _top_related(kind: str, scored: Iterable[tuple[str, str, float, int]]) -> int:
    """Keep the best ``ANALYTICS_RELATED_PER_ITEM`` related items of each item (rows ordered by
    item, so one item's rows are held at a time)."""
    keep = options.value("ANALYTICS_RELATED_PER_ITEM")
    RelatedItem.objects.filter(kind=kind).delete()
    return write(
        RelatedItem,
        (
            RelatedItem(kind=kind, item_id=item, related_id=rel, score=-neg, together=together)
            for item, group in grouped(scored, "item")
            for neg, rel, together in sorted((-score, r, n) for _i, r, score, n in group)[:keep]
        ),
    )


def _co_session(batches: Batches) -> int:
    scored = ((i, r, float(n), n) for i, r, n in rows_of(batches))
    return _top_related(RelatedItem.Kind.SESSION, scored)


def cosine(together: int, item_readers: int, related_readers: int) -> float:
    """Cosine similarity of two items' reader sets."""
    return together / math.sqrt(item_readers * related_readers)


def _co_readers(batches: Batches) -> int:
    scored = ((i, r, cosine(n, a, b), n) for i, r, n, a, b in rows_of(batches))
    return _top_related(RelatedItem.Kind.READERS, scored)


def _reader_history(batches: Batches) -> int:
    ReaderRecommendation.objects.all().delete()
    return write(ReaderRecommendation, personal(grouped(rows_of(batches), "reader")))


STORES: dict[str, Callable[[Batches], int]] = {
    **{name: (lambda batches, name=name: _cells(name, batches)) for name in REPORTS},
    "first_use": _first_use,
    "popularity": _popularity,
    "co_session": _co_session,
    "co_readers": _co_readers,
    "reader_history": _reader_history,
}


def store(job: str, batches: Batches) -> int:
    """Replace the stored results of ``job`` with the rows of ``batches`` (lists of rows);
    return how many rows were kept. All or nothing: one transaction."""
    with transaction.atomic():
        return STORES[job](batches)
