"""Landing a known set of events and rolling them up, for figure tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from shuxiang.stats import events
from shuxiang.stats.rollup import run_rollup

SATURDAY_1AM = datetime(2026, 6, 5, 17, 30, tzinfo=UTC)  # Saturday 6 June, 01:30 in Shanghai


def land(counts: dict[str, int], kind: str = "item_view", at: datetime = SATURDAY_1AM) -> None:
    """Record ``counts[code]`` events at each library, then flush and roll up."""
    for code, n in counts.items():
        for i in range(n):
            events.record(kind, library=code, reader=i, at=at + timedelta(seconds=i))
    events.flush()
    run_rollup()
