"""A realistic year of usage events for the demo network, written in bulk.

Patterns follow seed 003 (国家图书馆 2015 analysis): weekend use is no lower than weekday use,
and between midnight and 2 a.m. more readers are online at weekends; mobile outweighs PC about
7:3. Big libraries see more use than small ones, and use grows over the year.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.utils import timezone

from shuxiang.network.models import Library
from shuxiang.stats.backends import get_backend
from shuxiang.stats.backends.base import empty_batch
from shuxiang.stats.events import pseudonym
from shuxiang.stats.rollup import run_rollup

WEEKDAY_HOURS = [3, 2, 1, 1, 1, 1, 2, 4, 7, 9, 10, 9, 7, 7, 8, 9, 9, 8, 8, 10, 12, 12, 9, 5]
WEEKEND_HOURS = [6, 5, 2, 1, 1, 1, 1, 2, 4, 7, 9, 10, 9, 8, 9, 9, 9, 9, 9, 11, 12, 12, 10, 8]
KINDS = {"page_view": 42, "search": 16, "item_view": 20, "download": 8, "play": 7}
KINDS |= {"login": 6, "registration": 1}
CHANNELS = {"mobile": 56, "web": 34, "api": 10}
LEVEL_WEIGHT = {"national": 400, "provincial": 60, "city": 8, "county": 2}
TITLES = {
    "ebook": ["论语", "诗经", "唐诗三百首", "宋词三百首", "三字经", "千字文", "楚辞", "大学"],
    "journal": ["图书馆杂志", "中国图书馆学报", "数字图书馆论坛", "国家图书馆学刊"],
    "audio": ["唐诗朗读", "宋词赏析", "评书三国"],
    "video": ["国图公开课·红楼梦", "国图公开课·古籍修复", "非遗纪录片"],
    "newspaper": ["人民日报", "光明日报"],
}
ITEM_KINDS = {"item_view", "download", "play"}
DEMO_EVENTS = 200_000
TASTES = 12  # groups of items; a reader mostly uses the items of their own group
OWN_TASTE = 0.8


def _libraries(rng: random.Random) -> tuple[list[str], list[float]]:
    rows = Library.objects.filter(status=Library.Status.ACTIVE).values_list("code", "level")
    codes, weights = [], []
    for code, level in rows:
        codes.append(code)
        weights.append(LEVEL_WEIGHT.get(level, 1) * rng.uniform(0.5, 1.5))
    return codes, weights


def _demo_items() -> list[tuple[str, str, str]]:
    """(item id, resource type, title) of the built-in titles, when no real items are given."""
    return [
        (f"demo-{rtype}-{index}", rtype, title)
        for rtype, titles in TITLES.items()
        for index, title in enumerate(titles)
    ]


def _item_for(rng, reader: str, items: list[tuple[str, str, str]]) -> tuple[str, str, str]:
    """An item this reader would use: mostly from their own group (taste), sometimes any."""
    if reader and rng.random() < OWN_TASTE:
        group = int(reader[:8], 16) % TASTES
        return items[(group + TASTES * rng.randrange(max(1, len(items) // TASTES))) % len(items)]
    return rng.choice(items)


def _day_batch(rng, day: date, n: int, codes, weights, readers, items) -> dict:
    batch = empty_batch()
    weekend = day.weekday() >= 5
    hours = rng.choices(range(24), WEEKEND_HOURS if weekend else WEEKDAY_HOURS, k=n)
    midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=8)
    base = int(midnight.timestamp() * 1_000_000)
    batch["ts"] = [base + h * 3_600_000_000 + rng.randrange(3_600_000_000) for h in hours]
    batch["day"] = [day.isoformat()] * n
    batch["hour"] = hours
    batch["kind"] = rng.choices(list(KINDS), list(KINDS.values()), k=n)
    batch["library"] = rng.choices(codes, weights, k=n)
    batch["channel"] = rng.choices(list(CHANNELS), list(CHANNELS.values()), k=n)
    batch["reader"] = [rng.choice(readers) if rng.random() < 0.7 else "" for _ in range(n)]
    for kind, reader in zip(batch["kind"], batch["reader"], strict=True):
        if kind in ITEM_KINDS:
            item_id, rtype, title = _item_for(rng, reader, items)
            batch["resource_type"].append(rtype)
            batch["item_id"].append(item_id)
            batch["title"].append(title)
        else:
            batch["resource_type"].append("")
            batch["item_id"].append("")
            batch["title"].append("")
    return batch


def load_demo_usage(
    *,
    events: int | None = None,
    days: int = 365,
    seed: int = 2018,
    items: list[tuple[str, str, str]] | None = None,
    readers: list[Any] = (),
) -> str:
    """Write a year of events ending yesterday (skipped when usage exists); roll them up.

    ``items`` are (item id, resource type, title) of what readers use (default: built-in
    titles); ``readers`` are accounts that take part besides 5,000 made-up ones."""
    events = events or DEMO_EVENTS
    backend = get_backend()
    today = timezone.localdate()
    if any(day < today for day in backend.day_fingerprints()):  # today's are live events
        return "Demo usage: earlier events already present, left as they are"
    rng = random.Random(seed)
    codes, weights = _libraries(rng)
    if not codes:
        return "Demo usage: no libraries yet"
    readers = [pseudonym(f"demo-{i}") for i in range(5000)] + [pseudonym(r) for r in readers]
    items = items or _demo_items()
    first = date.today() - timedelta(days=days)
    day_weights = [
        (1 + 0.4 * d / days) * (1.12 if (first + timedelta(d)).weekday() >= 5 else 1.0)
        for d in range(days)
    ]
    scale = events / sum(day_weights)
    for offset, weight in enumerate(day_weights):
        n = int(weight * scale)
        day = first + timedelta(offset)
        backend.append(_day_batch(rng, day, n, codes, weights, readers, items))
    report = run_rollup()
    return f"Demo usage: {events:,} events over {days} days; {report.summary()}"
