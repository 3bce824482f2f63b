"""Item-kNN ranking (物品协同过滤): the scoring shared by the nightly job and the evaluation.

An item's neighbours are the items most read by the same readers (cosine of reader sets, from
the ``co_readers`` job). A reader's score for an unread item is the sum of its similarity to
each item they read; the read item contributing most explains it ("because you read 《…》").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

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
