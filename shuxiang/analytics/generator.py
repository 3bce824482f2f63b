"""A documented generator of reader behaviour for evaluation and benches (模拟数据).

The model, kept simple on purpose:

- ``items`` items belong to ``topics`` topics (item ``i`` is in topic ``i % topics``); inside
  a topic, item popularity follows Zipf's law (weight 1 / rank).
- Each of ``readers`` readers has a home library and one or two favourite topics; readers
  differ in activity (weight 1 / rank, like items).
- A session is one reader on one day (days spread evenly over the ``year``, hours following a
  day-and-evening curve): 1–5 item uses (item_view, download or play), 80 % from a favourite
  topic and 20 % from the whole collection by overall popularity; plus page views and a
  search, one in eight of which finds nothing (``item_id`` ``hits:0``, the term as title).
- Readers who never sign in are not modelled; every event carries the reader's pseudonym.

Same seed, same events. Rows come as day batches in the stats backends' column order.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from shuxiang.stats.backends.base import Batch, empty_batch

HOURS = [1, 1, 1, 1, 1, 1, 2, 4, 7, 9, 10, 9, 7, 7, 8, 9, 9, 8, 8, 10, 12, 12, 9, 5]
TERMS = ["古籍善本", "方志", "家谱", "敦煌遗书", "甲骨文", "碑帖拓片", "舆图", "老照片"]
TYPES = ("ebook", "journal", "audio", "video")


@dataclass(frozen=True)
class Shape:
    """How big the generated year is."""

    events: int = 200_000
    readers: int = 5_000
    items: int = 500
    topics: int = 25
    year: int = 2025
    seed: int = 17


def _cumulative(weights: list[float]) -> list[float]:
    return list(itertools.accumulate(weights))


def _pick(rng: random.Random, cumulative: list[float]) -> int:
    return bisect.bisect_left(cumulative, rng.random() * cumulative[-1])


class World:
    """The readers, items and tastes of one generated network."""

    def __init__(self, shape: Shape, libraries: list[str], item_ids: list[str] | None = None):
        self.shape, self.rng = shape, random.Random(shape.seed)
        self.items = item_ids or [f"resource:{n + 1}" for n in range(shape.items)]
        self.libraries = libraries
        count = len(self.items)
        self.by_topic = [list(range(t, count, shape.topics)) for t in range(shape.topics)]
        self.topic_weights = [
            _cumulative([1 / (r + 1) for r in range(len(members))]) for members in self.by_topic
        ]
        self.overall = _cumulative([1 / (1 + i // shape.topics) for i in range(count)])
        self.activity = _cumulative([1 / (r + 1) ** 0.6 for r in range(shape.readers)])
        rng = self.rng
        self.tastes = [
            rng.sample(range(shape.topics), rng.choice((1, 1, 2))) for _ in range(shape.readers)
        ]
        self.homes = [rng.choice(libraries) for _ in range(shape.readers)]

    def reader_id(self, n: int) -> str:
        return f"gen{self.shape.seed}-{n:07d}"

    def item_for(self, reader: int) -> int:
        rng = self.rng
        if rng.random() < 0.8:
            topic = rng.choice(self.tastes[reader])
            return self.by_topic[topic][_pick(rng, self.topic_weights[topic])]
        return _pick(rng, self.overall)


def _session(world: World, batch: Batch, day: date, base: int) -> int:
    rng = world.rng
    reader = _pick(rng, world.activity)
    hour = rng.choices(range(24), HOURS)[0]
    start = base + hour * 3_600_000_000 + rng.randrange(3_000_000_000)
    rows = [("page_view", "", "", "")]
    if rng.random() < 0.5:
        zero = rng.random() < 0.125
        rows.append(("search", "", "hits:0" if zero else "hits:12", rng.choice(TERMS)))
    for _ in range(rng.randint(1, 5)):
        item = world.item_for(reader)
        kind = rng.choice(("item_view", "item_view", "download", "play"))
        rows.append((kind, TYPES[item % len(TYPES)], world.items[item], f"第{item + 1}种"))
    for offset, (kind, rtype, item_id, title) in enumerate(rows):
        batch["ts"].append(start + offset * 60_000_000)
        batch["day"].append(day.isoformat())
        batch["hour"].append(hour)
        batch["kind"].append(kind)
        batch["library"].append(world.homes[reader])
        batch["resource_type"].append(rtype)
        batch["channel"].append(rng.choice(("mobile", "mobile", "web", "api")))
        batch["reader"].append(world.reader_id(reader))
        batch["item_id"].append(item_id)
        batch["title"].append(title)
    return len(rows)


def day_batches(world: World) -> Iterator[Batch]:
    """The year's events, one batch per day (about ``events`` in all)."""
    shape = world.shape
    first = date(shape.year, 1, 1)
    days = (date(shape.year + 1, 1, 1) - first).days
    per_day = shape.events / days
    for offset in range(days):
        day = first + timedelta(days=offset)
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=8)
        base = int(midnight.timestamp() * 1_000_000)
        batch, produced = empty_batch(), 0
        while produced < per_day:
            produced += _session(world, batch, day, base)
        yield batch


def generate(shape: Shape, libraries: list[str], item_ids: list[str] | None = None):
    """Day batches of a generated year over ``libraries`` (codes) and ``item_ids``."""
    return day_batches(World(shape, libraries, item_ids))
