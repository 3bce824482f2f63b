"""Writing a job's rows back into the analytics tables that pages read (one transaction)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable

from django.db import transaction

from shuxiang.analytics import serving
from shuxiang.analytics.models import PopularItem, RelatedItem, ReportCell
from shuxiang.analytics.recommend import build_personal
from shuxiang.core import options

REPORTS = ("weekday_hour", "channel", "resource_type", "utilisation", "zero_results", "cohorts")
BATCH = 5_000


def _cells(job: str, rows: list[tuple]) -> int:
    ReportCell.objects.filter(report=job).delete()
    ReportCell.objects.bulk_create(
        (
            ReportCell(report=job, scope=s, key=k[:300], key2=k2[:40], value=v)
            for s, k, k2, v in rows
        ),
        batch_size=BATCH,
    )
    return len(rows)


def _first_use(rows: list[tuple]) -> int:
    return _cells("first_use", [("", item, day, 0) for item, day in rows])


def _popularity(rows: list[tuple]) -> int:
    PopularItem.objects.all().delete()
    PopularItem.objects.bulk_create(
        (
            PopularItem(scope=s, item_id=i, title=(t or "")[:300], uses=u, readers=r)
            for s, i, t, u, r in rows
        ),
        batch_size=BATCH,
    )
    transaction.on_commit(serving.forget_popular)
    return len(rows)


def _top_related(kind: str, scored: list[tuple[str, str, float, int]]) -> int:
    """Keep the best ``ANALYTICS_RELATED_PER_ITEM`` related items of each item."""
    keep = options.value("ANALYTICS_RELATED_PER_ITEM")
    by_item: dict[str, list] = defaultdict(list)
    for item, related, score, together in scored:
        by_item[item].append((-score, related, together))
    RelatedItem.objects.filter(kind=kind).delete()
    objects = [
        RelatedItem(kind=kind, item_id=item, related_id=rel, score=-neg, together=together)
        for item, ranked in by_item.items()
        for neg, rel, together in sorted(ranked)[:keep]
    ]
    RelatedItem.objects.bulk_create(objects, batch_size=BATCH)
    return len(objects)


def _co_session(rows: list[tuple]) -> int:
    return _top_related(RelatedItem.Kind.SESSION, [(i, r, float(n), n) for i, r, n in rows])


def cosine(together: int, item_readers: int, related_readers: int) -> float:
    """Cosine similarity of two items' reader sets."""
    return together / math.sqrt(item_readers * related_readers)


def _co_readers(rows: list[tuple]) -> int:
    scored = [(i, r, cosine(n, a, b), n) for i, r, n, a, b in rows]
    return _top_related(RelatedItem.Kind.READERS, scored)


def _reader_history(rows: list[tuple]) -> int:
    return build_personal(rows)


STORES: dict[str, Callable[[list[tuple]], int]] = {
    **{name: (lambda rows, name=name: _cells(name, rows)) for name in REPORTS},
    "first_use": _first_use,
    "popularity": _popularity,
    "co_session": _co_session,
    "co_readers": _co_readers,
    "reader_history": _reader_history,
}


def store(job: str, rows: list[tuple]) -> int:
    """Replace the stored results of ``job`` with ``rows``; return how many rows were kept."""
    with transaction.atomic():
        return STORES[job](rows)
