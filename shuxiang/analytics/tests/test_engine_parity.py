"""One job definition, two engines: every job gives the same rows on DuckDB and on Spark."""

from __future__ import annotations

import time

import pytest

from shuxiang.analytics import engines
from shuxiang.analytics.jobs import JOBS

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
