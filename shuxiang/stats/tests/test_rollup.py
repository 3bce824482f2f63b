"""Daily rollups: equal to raw totals at every tier, idempotent, and late events handled."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Sum

from shuxiang.core.errors import PermissionDenied
from shuxiang.stats import events
from shuxiang.stats.models import DailyRollup, DailyTotal, HourlyRollup
from shuxiang.stats.rollup import run_rollup

KINDS = ["page_view", "search", "item_view", "download", "play", "login"]
START = datetime(2026, 5, 1, tzinfo=UTC)


def _land(net, n=1500, seed=7):
    """Record ``n`` events spread over the network and ten days; return them as tuples."""
    rng = random.Random(seed)
    codes = [lib.code for lib in net.values()]
    landed = []
    for _ in range(n):
        row = (rng.choice(codes), rng.choice(KINDS), rng.choice(["web", "mobile", "api"]))
        at = START + timedelta(minutes=rng.randrange(10 * 24 * 60))
        events.record(row[1], library=row[0], channel=row[2], reader=rng.randrange(50), at=at)
        landed.append(row)
    events.flush()
    return landed


def _subtree_total(code):
    rows = DailyRollup.objects.filter(scope=code, subtree=True)
    return rows.aggregate(n=Sum("events"))["n"] or 0


def _snapshot():
    fields = ("day", "scope", "subtree", "resource_type", "channel", "kind", "events", "readers")
    return sorted(DailyRollup.objects.values_list(*fields))


def test_rollup_totals_equal_raw_totals_at_every_tier(net):
    landed = _land(net)
    run_rollup()
    raw = Counter(code for code, _, _ in landed)
    by_code = {library.code: library for library in net.values()}
    for library in net.values():
        below = sum(n for code, n in raw.items() if by_code[code].in_subtree_of(library))
        assert _subtree_total(library.code) == below, library.code
        compact = DailyTotal.objects.filter(scope=library.code).aggregate(n=Sum("events"))["n"]
        assert (compact or 0) == below, library.code
        own = DailyRollup.objects.filter(scope=library.code, subtree=False)
        assert (own.aggregate(n=Sum("events"))["n"] or 0) == raw[library.code]
    assert _subtree_total("NLC") == len(landed)
    hourly = HourlyRollup.objects.filter(scope="NLC").aggregate(n=Sum("events"))["n"]
    assert hourly == len(landed)


def test_rollup_breaks_figures_down_by_kind_and_channel(net):
    landed = _land(net, n=400)
    run_rollup()
    expected = Counter((kind, channel) for code, kind, channel in landed)
    for (kind, channel), n in expected.items():
        rows = DailyRollup.objects.filter(scope="NLC", subtree=True, kind=kind, channel=channel)
        assert rows.aggregate(n=Sum("events"))["n"] == n


def test_re_running_the_aggregation_changes_nothing(net):
    _land(net, n=600)
    run_rollup()
    before = _snapshot()
    report = run_rollup()
    assert report.days == []
    assert _snapshot() == before
    run_rollup(force=True)
    assert _snapshot() == before


def test_late_events_re_aggregate_only_their_day(net):
    _land(net, n=300)
    run_rollup()
    total, gansu = _subtree_total("NLC"), _subtree_total("620000")
    events.record("download", library="330681", at=START + timedelta(hours=30))
    events.flush()
    report = run_rollup()
    assert [d.isoformat() for d in report.days] == ["2026-05-02"]
    assert _subtree_total("NLC") == total + 1
    assert _subtree_total("620000") == gansu


def test_distinct_readers_are_counted_once_per_day_and_scope(net):
    at = START + timedelta(hours=2)
    for _ in range(3):
        events.record("item_view", library="330681", reader=1, at=at)
    events.record("item_view", library="330600", reader=1, at=at)
    events.record("item_view", library="330600", reader=2, at=at)
    events.flush()
    run_rollup()
    zj = DailyRollup.objects.get(scope="330000", subtree=True)
    assert (zj.events, zj.readers) == (5, 2)


def test_only_the_system_may_trigger_aggregation(net):
    from shuxiang.accounts.tests.factories import admin_of

    with pytest.raises(PermissionDenied):
        run_rollup(by=admin_of(net["zj"]))


@pytest.mark.parametrize(
    ("begin", "end"),
    [("2026-04-20", "2026-06-10"), ("2026-05-01", "2026-05-31"), ("2026-05-03", "2026-05-07")],
)
def test_period_figures_equal_the_daily_totals_whatever_the_month_edges(net, begin, end):
    from datetime import date

    from shuxiang.stats.services import period_by_scope_and_kind

    rng = random.Random(3)
    for _ in range(300):
        at = datetime(2026, 4, 25, tzinfo=UTC) + timedelta(hours=rng.randrange(24 * 40))
        events.record(rng.choice(KINDS), library=rng.choice(["330681", "620123"]), at=at)
    events.flush()
    run_rollup()
    first, last = date.fromisoformat(begin), date.fromisoformat(end)
    got = sum(n for _, _, n in period_by_scope_and_kind(["NLC", "330000"], first, last))
    rows = DailyTotal.objects.filter(scope__in=["NLC", "330000"], day__range=(first, last))
    assert got == rows.aggregate(n=Sum("events"))["n"] > 0
