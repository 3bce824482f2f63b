"""Offline evaluation (离线评估): train on months 1–11, test on month 12, HR@10 and NDCG@10.

Each recommender ranks, for every reader active in both periods, ten items the reader did not
use in training; the items they first used in the test month are the relevant ones. HR@10 is
the share of readers with at least one relevant item in the ten; NDCG@10 discounts a hit by
its rank. Figures are reported as ratios against the popularity baseline. The recommenders'
inputs are the same jobs the node runs (DuckDB engine).

    python bench/analytics_eval.py [events readers items topics]
"""

from __future__ import annotations

import math
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from shuxiang.analytics import engines
from shuxiang.analytics.export import Inputs, split_by_month, write_batches
from shuxiang.analytics.generator import Shape, generate
from shuxiang.analytics.jobs import JOBS
from shuxiang.analytics.ranking import neighbours_from, score_reader

K = 10
KEEP = 20  # neighbours per item, as ANALYTICS_RELATED_PER_ITEM
PAIRS = [("1", "1"), ("11", "1"), ("11", "11"), ("12", "1"), ("12", "12")]


def _histories(inputs: Inputs) -> dict[str, set[str]]:
    found: dict[str, set[str]] = defaultdict(set)
    for reader, item, *_ in engines.run(JOBS["reader_history"], inputs, "duckdb"):
        found[reader].add(item)
    return found


def _top(rows, keep: int = KEEP):
    by_item = defaultdict(list)
    for item, related, score in rows:
        by_item[item].append((score, related))
    for item, ranked in by_item.items():
        ranked.sort(key=lambda pair: (-pair[0], pair[1]))
        yield from ((item, related, score) for score, related in ranked[:keep])


TRAINING: dict[str, float] = {}  # seconds each recommender took to train, last evaluation


def _timed(name: str, make):
    began = time.perf_counter()
    made = make()
    TRAINING[name] = time.perf_counter() - began
    return made


def recommenders(train: Inputs, history: dict[str, set[str]] | None = None, als=()):
    """Each recommender as a function: items read in training → ten item ids.

    ``als``: settings of ALS models to fit on ``history`` too (bench only: needs ``implicit``).
    """
    popularity = engines.run(JOBS["popularity"], train, "duckdb")
    ranked = [
        item
        for _s, item, _t, uses, _r in sorted(
            (row for row in popularity if row[0] == "1"), key=lambda row: (-row[3], row[1])
        )
    ]
    session = _timed(
        "co_session (BibTip)",
        lambda: neighbours_from(
            _top((i, r, float(n)) for i, r, n in engines.run(JOBS["co_session"], train, "duckdb"))
        ),
    )
    readers = _timed(
        "item_knn (personal)",
        lambda: neighbours_from(
            _top(
                (i, r, n / math.sqrt(a * b))
                for i, r, n, a, b in engines.run(JOBS["co_readers"], train, "duckdb")
            )
        ),
    )

    def popular(read: set[str]) -> list[str]:
        return [item for item in ranked if item not in read][:K]

    def knn(neighbours):
        def recommend(read: set[str]) -> list[str]:
            found = [item for item, _s, _b in score_reader(read, neighbours, K)]
            return (found + [i for i in popular(read) if i not in found])[:K]

        return recommend

    found = {
        "popularity": popular,
        "co_session (BibTip)": knn(session),
        "item_knn (personal)": knn(readers),
    }
    for settings in als:
        name = "als " + " ".join(f"{k[0]}={v}" for k, v in settings.items())
        found[name] = _als(name, settings, history or {}, popular)
    return found


def _als(name: str, settings: dict, history: dict[str, set[str]], popular):
    from shuxiang.analytics.als import ALSRecommender

    model = _timed(name, lambda: ALSRecommender(**settings).fit(history))

    def factorised(read: set[str]) -> list[str]:
        found = [item for item, _s, _b in model.recommend(read, K)]
        return (found + [i for i in popular(read) if i not in found])[:K]

    return factorised


def evaluate(train: Inputs, test: Inputs, als=()) -> dict[str, dict[str, float]]:
    """HR@10 and NDCG@10 of every recommender, and their ratios against popularity."""
    before, after = _histories(train), _histories(test)
    readers = [r for r in sorted(after) if before.get(r) and after[r] - before[r]]
    results = {}
    for name, recommend in recommenders(train, before, als).items():
        hits = gain = 0.0
        for reader in readers:
            relevant = after[reader] - before[reader]
            ranked = recommend(before[reader])
            found = [rank for rank, item in enumerate(ranked) if item in relevant]
            hits += bool(found)
            ideal = sum(1 / math.log2(r + 2) for r in range(min(K, len(relevant))))
            gain += sum(1 / math.log2(r + 2) for r in found) / ideal
        results[name] = {"hr": hits / len(readers), "ndcg": gain / len(readers)}
        results[name]["train_s"] = TRAINING.get(name, 0.0)
    base = results["popularity"]
    for figures in results.values():
        figures["hr_ratio"] = figures["hr"] / base["hr"]
        figures["ndcg_ratio"] = figures["ndcg"] / base["ndcg"]
    results["_readers"] = {"n": len(readers)}
    return results


def evaluate_generated(shape: Shape, als=()) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="shuxiang-eval-"))
    whole = write_batches(generate(shape, ["11", "12"]), folder / "all", PAIRS)
    train, test = split_by_month(whole, f"{shape.year}-12", folder / "train", folder / "test")
    return evaluate(train, test, als)
