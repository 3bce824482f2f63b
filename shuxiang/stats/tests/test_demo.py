"""The demo year of usage: weekend and late-night patterns of seed 003, rolled up."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Sum

from shuxiang.stats.backends import get_backend
from shuxiang.stats.demo import load_demo_usage
from shuxiang.stats.models import DailyRollup, HourlyRollup


def test_demo_usage_has_weekend_and_late_night_patterns_and_is_rolled_up(net):
    load_demo_usage(events=20_000, days=70)
    assert get_backend().count() >= 19_000
    total = DailyRollup.objects.filter(scope="NLC", subtree=True).aggregate(n=Sum("events"))["n"]
    assert total == get_backend().count()
    per_day: dict[bool, list[int]] = defaultdict(list)
    late: dict[bool, int] = defaultdict(int)
    for row in HourlyRollup.objects.filter(scope="NLC"):
        weekend = row.day.weekday() >= 5
        if row.hour < 2:
            late[weekend] += row.events
    days = DailyRollup.objects.filter(scope="NLC", subtree=True).values_list("day")
    for day, n in days.annotate(n=Sum("events")).order_by():
        per_day[day.weekday() >= 5].append(n)
    weekday_mean = sum(per_day[False]) / len(per_day[False])
    weekend_mean = sum(per_day[True]) / len(per_day[True])
    assert weekend_mean >= weekday_mean
    assert late[True] / len(per_day[True]) > late[False] / len(per_day[False])


def test_demo_usage_is_loaded_once(net):
    load_demo_usage(events=2000, days=10)
    before = get_backend().count()
    assert "already" in load_demo_usage(events=2000, days=10)
    assert get_backend().count() == before
    assert DailyRollup.objects.filter(day__gte=date.today() - timedelta(days=10)).exists()
