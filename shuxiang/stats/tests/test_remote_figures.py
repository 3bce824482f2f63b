"""Figures from other nodes: own-figure export, idempotent storage, corrections, rollup merge."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest
from django.db.models import Sum

from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import ValidationFailed
from shuxiang.stats import events, monitoring, remote
from shuxiang.stats.models import Alert, AlertRule, DailyRollup, HourlyRollup
from shuxiang.stats.rollup import run_rollup

START = datetime(2026, 5, 1, tzinfo=UTC)
ZJ_LINE = {"330000": "620000", "330600": "620100", "330681": "620123"}


def _land_in_zhejiang(n=900, seed=3):
    rng = random.Random(seed)
    for _ in range(n):
        code = rng.choice(list(ZJ_LINE))
        kind = rng.choice(["page_view", "search", "download"])
        at = START + timedelta(minutes=rng.randrange(6 * 24 * 60))
        events.record(kind, library=code, channel=rng.choice(["web", "api"]), reader=7, at=at)
    events.flush()
    run_rollup()


def _as_gansu(figures):
    """The same figures told as if the Gansu line of libraries had them (a child's push)."""
    out = []
    for f in figures.values():
        daily = [[ZJ_LINE[r[0]], *r[1:]] for r in f.daily]
        hourly = [[ZJ_LINE[h[0]], *h[1:]] for h in f.hourly]
        out.append(remote.DayFigures(f.day, sorted(daily), sorted(hourly)))
    return out


def _subtree(code, model=DailyRollup, **where):
    rows = model.objects.filter(scope=code, **where)
    if model is DailyRollup:
        rows = rows.filter(subtree=True)
    return Counter(dict(rows.values_list("day").annotate(n=Sum("events")).order_by()))


def test_received_figures_add_up_exactly_at_every_tier(net):
    _land_in_zhejiang()
    figures = remote.own_figures(remote.rolled_days())
    assert all(f.rows for f in figures.values())
    changed = remote.store_days("http://child.example", _as_gansu(figures))
    assert len(changed) == len(figures)
    report = run_rollup()
    assert sorted(report.days) == sorted(figures)
    for zj, gs in ZJ_LINE.items():
        assert _subtree(gs) == _subtree(zj), gs
        assert _subtree(gs, HourlyRollup) == _subtree(zj, HourlyRollup), gs
        own = DailyRollup.objects.filter(scope=gs, subtree=False).aggregate(n=Sum("events"))
        mine = DailyRollup.objects.filter(scope=zj, subtree=False).aggregate(n=Sum("events"))
        assert own == mine
    assert _subtree("NLC") == _subtree("330000") + _subtree("620000")
    assert _subtree("NLC", HourlyRollup) == _subtree("330000", HourlyRollup) + _subtree(
        "620000", HourlyRollup
    )


def test_export_holds_own_figures_and_no_pseudonyms(net):
    _land_in_zhejiang(n=200)
    figures = remote.own_figures(remote.rolled_days(), libraries={"330600"})
    codes = {r[0] for f in figures.values() for r in f.daily + f.hourly}
    assert codes == {"330600"}
    total = sum(r[4] for f in figures.values() for r in f.daily)
    own = DailyRollup.objects.filter(scope="330600", subtree=False).aggregate(n=Sum("events"))
    assert total == own["n"]
    hourly = sum(h[2] for f in figures.values() for h in f.hourly)
    assert hourly == total


def test_resending_changes_nothing_and_a_correction_replaces(net):
    _land_in_zhejiang(n=300)
    days = _as_gansu(remote.own_figures(remote.rolled_days()))
    remote.store_days("http://child.example", days)
    run_rollup()
    before = _subtree("620000")
    assert remote.store_days("http://child.example", days) == []
    assert run_rollup().days == []
    first = days[0]
    first.daily[0][4] += 5
    first.hourly[0][2] += 5
    assert remote.store_days("http://child.example", [first]) == [first.day]
    assert run_rollup().days == [first.day]
    after = _subtree("620000")
    assert after[first.day] == before[first.day] + 5
    assert sum(after.values()) == sum(before.values()) + 5


def test_two_sources_sum_and_do_not_replace_each_other(net):
    day = START.date()
    one = remote.DayFigures(day, [["620100", "", "web", "search", 4, 1]], [["620100", 9, 4]])
    two = remote.DayFigures(day, [["620123", "", "web", "search", 6, 2]], [["620123", 9, 6]])
    remote.store_days("http://a.example", [one])
    remote.store_days("http://b.example", [two])
    run_rollup()
    assert _subtree("620000")[day] == 10
    assert _subtree("620100")[day] == 10
    assert _subtree("620123")[day] == 6


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (["620100", "", "web", "search", -1, 0], "days[0].daily[0].events"),
        (["620100", "", "web", "search", True, 0], "days[0].daily[0].events"),
        (["620100", "", "web", "search", 1.5, 0], "days[0].daily[0].events"),
        (["620100", "", "web", "search", 2**70, 0], "days[0].daily[0].events"),
        (["620100", "", "fax", "search", 1, 0], "days[0].daily[0].channel"),
        (["620100", "", "web", "steal", 1, 0], "days[0].daily[0].kind"),
        (["NLC", "", "web", "search", 1, 0], "days[0].daily[0].library"),
        (["620100", "", "web"], "days[0].daily[0]"),
    ],
)
def test_bad_rows_are_refused_naming_the_field(net, row, field):
    errors = []
    item = {"day": "2026-05-01", "daily": [row], "hourly": []}
    assert remote.parse_day(item, "days[0]", {"620100"}, errors) is None
    assert field in [e.field for e in errors]


def test_bad_hour_and_day_are_refused(net):
    errors = []
    item = {"day": "2026-05-01", "daily": [], "hourly": [["620100", 24, 1]]}
    assert remote.parse_day(item, "days[0]", {"620100"}, errors) is None
    assert [e.field for e in errors] == ["days[0].hourly[0].hour"]
    errors = []
    assert remote.parse_day({"day": "2026-13-01"}, "days[1]", set(), errors) is None
    assert [e.field for e in errors] == ["days[1].day"]


def test_node_health_fields_and_their_alerts(net):
    beat = monitoring.record_heartbeat(
        SYSTEM,
        net["zj"],
        {
            "node": "zhejiang",
            "version": "1.2",
            "storage_bytes": 10,
            "queue_lag_seconds": 900,
            "errors": 3,
            "last_error": "harvest of 330100 failed",
            "last_harvest": "2026-11-29T08:00:00+08:00",
        },
    )
    assert beat.queue_lag_seconds == 900 and beat.errors == 3
    beat.refresh_from_db()
    assert beat.last_harvest == datetime(2026, 11, 29, 0, 0, tzinfo=UTC)
    lag = AlertRule.objects.create(
        library=net["nlc"], condition="queue_lag_above", threshold=600, email="ops@example.org"
    )
    errs = AlertRule.objects.create(
        library=net["nlc"], condition="errors_above", threshold=5, email="ops@example.org"
    )
    raised = monitoring.evaluate_alerts()
    assert [a.rule_id for a in raised] == [lag.pk]
    assert "900" in raised[0].message
    assert not Alert.objects.filter(rule=errs).exists()


def test_bad_node_health_fields_are_refused(net):
    with pytest.raises(ValidationFailed) as caught:
        monitoring.record_heartbeat(
            SYSTEM,
            net["zj"],
            {"node": "zj", "queue_lag_seconds": "１２", "last_harvest": "yesterday"},
        )
    fields = {e.field for e in caught.value.errors}
    assert fields == {"queue_lag_seconds", "last_harvest"}
