"""Personalised recommendations (个性化推荐) by item-kNN over readers' histories.

An item's neighbours are the items most read by the same readers (cosine of reader sets, from
the ``co_readers`` job). A reader's score for an unread item is the sum of its similarity to
each item they read; the read item contributing most explains it ("because you read 《…》").
The same functions serve the nightly precomputation and the offline evaluation.
"""

from __future__ import annotations

from collections import defaultdict

from shuxiang.analytics.models import ReaderRecommendation, RecommendationOptOut, RelatedItem
from shuxiang.analytics.ranking import neighbours_from, score_reader
from shuxiang.stats.events import pseudonym


def opted_out_pseudonyms() -> set[str]:
    return {pseudonym(pk) for pk in RecommendationOptOut.objects.values_list("user_id", flat=True)}


def build_personal(history_rows: list[tuple]) -> int:
    """Replace every reader's recommendations from (reader, item, uses, last_ts) rows."""
    neighbours = neighbours_from(
        RelatedItem.objects.filter(kind=RelatedItem.Kind.READERS).values_list(
            "item_id", "related_id", "score"
        )
    )
    history: dict[str, set[str]] = defaultdict(set)
    for reader, item, *_ in history_rows:
        history[reader].add(item)
    excluded = opted_out_pseudonyms()
    ReaderRecommendation.objects.all().delete()
    objects = [
        ReaderRecommendation(reader=reader, item_id=item, score=score, because_id=because)
        for reader, read in history.items()
        if reader not in excluded
        for item, score, because in score_reader(read, neighbours)
    ]
    ReaderRecommendation.objects.bulk_create(objects, batch_size=5_000)
    return len(objects)
