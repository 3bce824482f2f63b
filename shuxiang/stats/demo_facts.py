"""Demo facts behind the headline indicators: interconnected platforms with a year of
availability checks, training sessions held, and each node's storage (idempotent).

Every province-level (and the national) library of the demo network runs a reading portal
and a resource platform; the checks are daily with a few failures, so availability is a real
ratio, not a constant.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from django.db import transaction

from shuxiang.network.models import Library
from shuxiang.stats.models import CheckResult, Heartbeat, MonitoredPlatform, TrainingSession

GB = 1024**3
PLATFORMS = ("数字图书馆门户", "数字资源服务平台")
TRAININGS = ("数字资源建设培训", "移动阅读推广培训", "读者服务与统计培训", "古籍数字化培训")
CHECK_DAYS = 120


def _libraries() -> list[Library]:
    levels = (Library.Level.NATIONAL, Library.Level.PROVINCIAL)
    return list(Library.objects.filter(level__in=levels).order_by("path"))


def _platforms(library: Library, rng: random.Random, today: date) -> int:
    checks = []
    for name in PLATFORMS:
        platform = MonitoredPlatform.objects.create(
            library=library,
            name=f"{library.name}{name}",
            url=f"https://{library.code.lower()}.example.org/{len(checks)}",
            is_up=True,
        )
        for offset in range(CHECK_DAYS):
            at = datetime.combine(today - timedelta(days=offset), time(2, 0), tzinfo=UTC)
            ok = rng.random() > 0.006
            checks.append(
                CheckResult(
                    platform=platform,
                    at=at,
                    ok=ok,
                    status=200 if ok else 503,
                    latency_ms=rng.randint(40, 400),
                )
            )
        platform.checked_at = checks[-1].at if checks else None
        platform.save(update_fields=["checked_at"])
    CheckResult.objects.bulk_create(checks)
    return len(PLATFORMS)


def _trainings(library: Library, rng: random.Random, today: date) -> int:
    sessions = [
        TrainingSession(
            library=library,
            title=f"{library.name}{rng.choice(TRAININGS)}",
            held_on=today - timedelta(days=rng.randint(1, min(300, today.timetuple().tm_yday))),
            mode=rng.choice(TrainingSession.Mode.values),
            attendees=rng.randint(20, 180),
        )
        for _ in range(rng.randint(2, 6))
    ]
    TrainingSession.objects.bulk_create(sessions)
    return len(sessions)


@transaction.atomic
def load_demo_facts(seed: int = 2026) -> str:
    """Create the demo facts where a library has none yet; say what was added."""
    rng = random.Random(seed)
    today = date.today()
    platforms = trainings = 0
    for library in _libraries():
        if not MonitoredPlatform.objects.filter(library=library).exists():
            platforms += _platforms(library, rng, today)
        if not TrainingSession.objects.filter(library=library).exists():
            trainings += _trainings(library, rng, today)
        Heartbeat.objects.get_or_create(
            library=library,
            defaults={
                "node": f"{library.code.lower()}-node-1",
                "at": datetime.now(tz=UTC),
                "storage_bytes": rng.randint(800, 60000) * GB,
                "bandwidth_mbps": rng.choice((100, 200, 500, 1000)),
                "version": "demo",
            },
        )
    return f"Demo facts: {platforms} platforms and {trainings} training sessions added"
