"""One job definition, two engines: every job gives the same rows on DuckDB and on Spark."""

from __future__ import annotations

import time
from collections import Counter, defaultdict

import pytest

from shuxiang.analytics import engines
from shuxiang.analytics.jobs import JOBS, Job, co_readers_sql

SPARK_BUDGET_SECONDS = 120


def _sorted(rows):
    return sorted(rows, key=repr)


def test_every_job_gives_identical_rows_on_duckdb_and_spark(small_inputs, spark):
    began = time.monotonic()
    for name, job in JOBS.items():
        on_duckdb = _sorted(engines.run(job, small_inputs, "duckdb"))
        on_spark = _sorted(engines.run(job, small_inputs, "spark"))
        assert on_duckdb, f"{name} found nothing to compare"
        assert on_spark == on_duckdb, name
    assert time.monotonic() - began < SPARK_BUDGET_SECONDS


def test_jobs_are_transpiled_for_spark():
    for job in JOBS.values():
        assert "SELECT" in engines.spark_sql(job).upper()


def test_an_unknown_engine_is_refused_by_name(small_inputs):
    with pytest.raises(ValueError, match="engine"):
        engines.run(JOBS["channel"], small_inputs, "flink")


def _co_readers_capped(cap: int | None, per_item: int = 1_000) -> Job:
    return Job("co_readers", "", co_readers_sql(cap, per_item), JOBS["co_readers"].columns)


def test_co_readers_counts_only_each_readers_most_recent_items(small_inputs):
    by_reader = defaultdict(list)
    for reader, item, _uses, last_ts in engines.run(JOBS["reader_history"], small_inputs, "duckdb"):
        by_reader[reader].append((-last_ts, item))
    recent = Counter(item for read in by_reader.values() for _ts, item in sorted(read)[:3])
    capped = engines.run(_co_readers_capped(3), small_inputs, "duckdb")
    whole = engines.run(JOBS["co_readers"], small_inputs, "duckdb")
    readers_counted = {item: n for item, _related, _together, n, _n in capped}
    assert readers_counted
    assert all(recent[item] == n for item, n in readers_counted.items())
    assert sum(row[2] for row in capped) < sum(row[2] for row in whole)


def test_co_readers_returns_each_items_pairs_of_highest_cosine_only(small_inputs):
    def best(rows, n):
        by_item = defaultdict(list)
        for item, related, together, a, b in rows:
            by_item[item].append((-together / (a * b) ** 0.5, related))
        return {item: sorted(ranked)[:n] for item, ranked in by_item.items()}

    whole = engines.run(_co_readers_capped(None), small_inputs, "duckdb")
    five = engines.run(_co_readers_capped(None, per_item=5), small_inputs, "duckdb")
    assert len(five) < len(whole)
    assert best(five, 5) == best(whole, 5)


def test_the_caps_give_identical_rows_on_spark(small_inputs, spark):
    job = _co_readers_capped(3, per_item=5)
    on_duckdb = _sorted(engines.run(job, small_inputs, "duckdb"))
    assert on_duckdb == _sorted(engines.run(job, small_inputs, "spark"))
