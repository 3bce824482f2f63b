"""Storing a job's results: batch by batch, all or nothing, the rows served until then kept."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from shuxiang.analytics import services, store
from shuxiang.analytics.models import ReaderRecommendation, RelatedItem, ReportCell
from shuxiang.network.tests.factories import small_network
from shuxiang.stats import events

AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def served(db):
    """Thirty readers who read two of four books each, on two channels; every job run once."""
    small_network()
    for n in range(30):
        for offset, item in enumerate((f"x:{n % 4}", f"x:{(n + 1 + n // 4) % 4}")):
            events.record(
                "item_view",
                library="330600",
                reader=f"r{n}",
                channel=("mobile", "web")[n % 2],
                item_id=item,
                at=AT + timedelta(days=n, minutes=offset),
            )
    events.flush()
    services.run_nightly("duckdb")


def _stops_after_first_batch(monkeypatch, job: str) -> dict:
    """Make ``job``'s store fail after it has received (and written) its first batch."""
    real, served = store.STORES[job], {"batches": 0}

    def first_then_fail(batches):
        for batch in batches:
            served["batches"] += 1
            yield batch
            raise OSError("connection lost")

    monkeypatch.setitem(store.STORES, job, lambda batches: real(first_then_fail(batches)))
    monkeypatch.setattr(store, "BATCH", 1)  # the first rows really are written before it fails
    monkeypatch.setenv("SHUXIANG_ANALYTICS_BATCH_ROWS", "1")
    return served


def _cells(report: str) -> list:
    return sorted(ReportCell.objects.filter(report=report).values_list("scope", "key", "value"))


def test_a_failure_mid_stream_leaves_the_served_report_intact(served, monkeypatch):
    before = _cells("channel")
    assert before
    ReportCell.objects.filter(report="channel").update(value=999)  # as if from an older run
    older = _cells("channel")
    seen = _stops_after_first_batch(monkeypatch, "channel")
    with pytest.raises(OSError, match="connection lost"):
        services.run_job("channel")
    assert seen["batches"] == 1
    assert _cells("channel") == older


def test_a_failure_mid_stream_leaves_the_served_recommendations_intact(served, monkeypatch):
    def recommendations():
        return sorted(ReaderRecommendation.objects.values_list("reader", "item_id", "because_id"))

    before = recommendations()
    assert len({reader for reader, *_ in before}) > 1
    seen = _stops_after_first_batch(monkeypatch, "reader_history")
    with pytest.raises(OSError):
        services.run_job("reader_history")
    assert seen["batches"] == 1
    assert recommendations() == before


def test_results_are_stored_from_many_batches_as_from_one(served, monkeypatch):
    def stored():
        return (
            _cells("utilisation"),
            sorted(RelatedItem.objects.values_list("kind", "item_id", "related_id", "together")),
            sorted(ReaderRecommendation.objects.values_list("reader", "item_id", "because_id")),
        )

    at_once = stored()
    monkeypatch.setenv("SHUXIANG_ANALYTICS_BATCH_ROWS", "2")
    services.run_nightly("duckdb")
    assert stored() == at_once


def test_rows_kept_per_item_must_come_ordered_by_item(served):
    before = sorted(RelatedItem.objects.values_list("kind", "item_id", "related_id"))
    with pytest.raises(ValueError, match="ordered by item"):
        store.store("co_session", [[("x:2", "x:1", 5)], [("x:1", "x:2", 5)]])
    assert sorted(RelatedItem.objects.values_list("kind", "item_id", "related_id")) == before
