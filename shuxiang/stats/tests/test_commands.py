"""The statistics commands run the same services as the background tasks."""

from __future__ import annotations

from datetime import UTC, datetime
from io import StringIO

from django.core.management import call_command

from shuxiang.stats import events
from shuxiang.stats.models import DailyRollup
from shuxiang.stats.tasks import rollup_usage


def test_stats_rollup_command_aggregates_then_finds_nothing_new(net):
    events.record("search", library="330681", at=datetime(2026, 1, 5, tzinfo=UTC))
    events.flush()
    out = StringIO()
    call_command("stats_rollup", stdout=out)
    assert "1 days re-aggregated" in out.getvalue()
    out = StringIO()
    call_command("stats_rollup", stdout=out)
    assert "0 days re-aggregated" in out.getvalue()


def test_the_rollup_task_flushes_buffered_events_first(net):
    events.record("play", library="620123", at=datetime(2026, 1, 6, tzinfo=UTC))
    rollup_usage.call_local()
    assert DailyRollup.objects.filter(scope="NLC", kind="play").exists()


def test_stats_check_command_reports_each_platform(net):
    from shuxiang.stats.models import MonitoredPlatform

    MonitoredPlatform.objects.create(library=net["zj"], name="gone", url="http://127.0.0.1:9/")
    out = StringIO()
    call_command("stats_check", "--timeout", "2", stdout=out)
    assert "http://127.0.0.1:9/: DOWN" in out.getvalue()
