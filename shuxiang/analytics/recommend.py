"""Personalised recommendations (个性化推荐) by item-kNN over readers' histories.

An item's neighbours are the items most read by the same readers (cosine of reader sets, from
the ``co_readers`` job). A reader's score for an unread item is the sum of its similarity to
each item they read; the read item contributing most explains it ("because you read 《…》").
The same functions serve the nightly precomputation and the offline evaluation.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from shuxiang.analytics.models import ReaderRecommendation, RecommendationOptOut, RelatedItem
from shuxiang.analytics.ranking import neighbours_from, score_reader
from shuxiang.stats.events import pseudonym


def opted_out_pseudonyms() -> set[str]:
    return {pseudonym(pk) for pk in RecommendationOptOut.objects.values_list("user_id", flat=True)}


def personal(histories: Iterable[tuple[str, Iterable[tuple]]]) -> Iterator[ReaderRecommendation]:
    """Every reader's recommendations (unsaved) from each reader's (reader, item, uses, last_ts)
    rows, one reader at a time; ``store`` groups the reader_history rows by reader, deletes the
    old recommendations and writes these in batches."""
    neighbours = neighbours_from(
        RelatedItem.objects.filter(kind=RelatedItem.Kind.READERS).values_list(
            "item_id", "related_id", "score"
        )
    )
    excluded = opted_out_pseudonyms()
    for reader, rows in histories:
        if reader not in excluded:
            for item, score, because in score_reader({row[1] for row in rows}, neighbours):
                yield ReaderRecommendation(
                    reader=reader, item_id=item, score=score, because_id=because
                )
