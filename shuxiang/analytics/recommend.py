"""Personalised recommendations (个性化推荐) by item-kNN over readers' histories.

An item's neighbours are the items most read by the same readers (cosine of reader sets, from
the ``co_readers`` job). A reader's score for an unread item is the sum of its similarity to
each item they read; the read item contributing most explains it ("because you read 《…》").
The same functions serve the nightly precomputation and the offline evaluation.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from shuxiang.analytics.models import ReaderRecommendation, RecommendationOptOut, RelatedItem
from shuxiang.stats.events import pseudonym

PER_READER = 20
Neighbours = dict[str, list[tuple[str, float]]]


def neighbours_from(rows: Iterable[tuple[str, str, float]]) -> Neighbours:
    """(item, related item, similarity) rows as each item's neighbour list."""
    found: Neighbours = defaultdict(list)
    for item, related, score in rows:
        found[item].append((related, score))
    return found


def score_reader(
    read: Iterable[str], neighbours: Neighbours, n: int = PER_READER
) -> list[tuple[str, float, str]]:
    """The ``n`` best unread items for a reader who read ``read``: (item, score, because)."""
    seen = set(read)
    scores: dict[str, float] = defaultdict(float)
    best: dict[str, tuple[float, str]] = {}
    for item in sorted(seen):
        for related, similarity in neighbours.get(item, ()):
            if related in seen:
                continue
            scores[related] += similarity
            if similarity > best.get(related, (0.0, ""))[0]:
                best[related] = (similarity, item)
    ranked = sorted(scores.items(), key=lambda pair: (-pair[1], pair[0]))[:n]
    return [(item, score, best[item][1]) for item, score in ranked]


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
