"""Behaviour reports per tier: scoped by the network seam, small groups suppressed, CLI, retries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from shuxiang.accounts.tests.factories import admin_of
from shuxiang.analytics import queries, services
from shuxiang.analytics.models import JobRun, ReportCell
from shuxiang.network.tests.factories import small_network
from shuxiang.stats import events

MONDAY_9AM = datetime(2026, 6, 1, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai


@pytest.fixture
def usage(db):
    """Shaoxing: 40 mobile views on Monday 9h and 3 web views (a small group) on Monday 10h."""
    net = small_network()
    for i in range(40):
        events.record(
            "item_view",
            library="330600",
            reader=f"m{i}",
            channel="mobile",
            item_id="x:1",
            at=MONDAY_9AM + timedelta(seconds=i),
        )
    for i in range(3):
        events.record(
            "item_view",
            library="330600",
            reader=f"w{i}",
            channel="web",
            item_id="x:2",
            at=MONDAY_9AM + timedelta(hours=1, seconds=i),
        )
    events.flush()
    return net


def test_small_channel_is_hidden_and_not_derivable_from_the_total(usage):
    services.run_job("channel")
    table = queries.breakdown("channel", usage["sx"])
    values = dict(table["rows"])
    assert values["web"] is None, "3 readers are below k=10"
    assert values["mobile"] is None or table["total"] is None, "else total − mobile = web"


def test_the_weekday_hour_grid_of_a_tier_counts_its_subtree(usage):
    services.run_job("weekday_hour")
    stored = ReportCell.objects.filter(report="weekday_hour", scope="330000")
    assert set(stored.values_list("key", "key2", "value")) == {("1", "9", 40), ("1", "10", 3)}
    assert not ReportCell.objects.filter(report="weekday_hour", scope="620000").exists()
    province = queries.weekday_hour(usage["zj"])["rows"]
    assert province[0][10] is None
    assert sum(v is None for v in province[0]) >= 2, "Monday's total or another cell hidden too"


def test_reports_are_only_for_administrators_of_the_tier(usage, client):
    services.run_nightly("duckdb")
    client.force_login(admin_of(usage["zj"]))
    page = client.get("/analytics/330600/")
    assert page.status_code == 200
    assert "–" in page.content.decode()
    assert client.get("/analytics/620000/").status_code == 403


def test_cli_runs_a_job_on_the_named_engine_and_refuses_unknown_ones(usage, capsys):
    call_command("analytics", "run", "channel", "--engine", "duckdb")
    assert "channel on duckdb: done" in capsys.readouterr().out
    with pytest.raises(CommandError, match="engine"):
        call_command("analytics", "run", "channel", "--engine", "flink")
    with pytest.raises(CommandError, match="job"):
        call_command("analytics", "run", "nope", "--engine", "duckdb")


def test_a_failed_job_is_retried_and_the_failure_stays_visible(usage, monkeypatch, client):
    from shuxiang.analytics import store

    calls = {"n": 0}
    real = store.STORES["channel"]

    def fails_once(rows):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError("disk full")
        return real(rows)

    monkeypatch.setitem(store.STORES, "channel", fails_once)
    services.run_nightly("duckdb")
    runs = list(JobRun.objects.filter(job="channel").order_by("attempt"))
    assert [(r.status, r.attempt) for r in runs] == [("failed", 1), ("done", 2)]
    assert "disk full" in runs[0].error
    client.force_login(admin_of(usage["nlc"]))
    assert "disk full" in client.get("/analytics/jobs/").content.decode()


def test_exported_inputs_are_removed_after_the_runs(usage, settings):
    from pathlib import Path

    services.run_nightly("duckdb")
    services.run_job("channel")
    assert not list((Path(settings.DATA_DIR) / "analytics").glob("inputs-*"))
