"""Merging a day's segments: same events, fewer files, safe when interrupted."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, date, datetime, timedelta

import pytest
from django.conf import settings

from shuxiang.stats import events
from shuxiang.stats.backends import get_backend
from shuxiang.stats.backends.compaction import compact_day, live_segments

pytestmark = pytest.mark.skipif(
    not settings.STATS_BACKEND.endswith("ParquetBackend"),
    reason="segments and their compaction belong to the embedded store",
)
DAY = date(2026, 2, 3)


def _three_segments():
    for n in range(3):
        for i in range(10):
            at = datetime(2026, 2, 3, 2, tzinfo=UTC) + timedelta(minutes=i)
            events.record("item_view", library="330681", item_id=f"b{n}", reader=i, at=at)
        events.flush()
    backend = get_backend()
    return backend, backend.root / f"day={DAY}"


def test_compaction_merges_a_days_segments_into_one_with_the_same_events(db):
    backend, folder = _three_segments()
    assert len(backend.segments(DAY)) == 3
    assert backend.compact(before=DAY + timedelta(days=1)) == 1
    assert len(backend.segments(DAY)) == 1
    assert len(list(folder.glob("seg-*"))) == 1 and not list(folder.glob("compact-*"))
    assert backend.count(day=str(DAY)) == 30 and backend.count(item_id="b2") == 10


def test_compaction_leaves_open_days_alone(db):
    backend, _ = _three_segments()
    assert backend.compact(before=DAY) == 0
    assert len(backend.segments(DAY)) == 3


def test_a_compaction_interrupted_after_its_commit_never_double_counts(db):
    backend, folder = _three_segments()
    compact_day(backend, folder, crash_after_commit=True)
    assert len(list(folder.glob("seg-*"))) == 4  # the sources are still on disk
    assert len(live_segments(folder)) == 1
    assert backend.count(day=str(DAY)) == 30
    compact_day(backend, folder)  # the next run finishes the interrupted one
    assert len(list(folder.glob("seg-*"))) == 1 and backend.count() == 30


def test_a_compaction_interrupted_before_its_commit_changes_nothing(db):
    backend, folder = _three_segments()
    leftover = folder / ".tmp-deadbeef.parquet"
    leftover.write_bytes(b"half a file")
    os.utime(leftover, (time.time() - 7200, time.time() - 7200))
    source = backend.segments(DAY)[0].name
    manifest = {"merged": "seg-c1-deadbeef.parquet", "sources": [source]}
    (folder / "compact-deadbeef.json").write_text(json.dumps(manifest))
    assert backend.count(day=str(DAY)) == 30 and len(live_segments(folder)) == 3
    compact_day(backend, folder)
    assert backend.count(day=str(DAY)) == 30
    assert not list(folder.glob(".tmp-*")) and not list(folder.glob("compact-*"))
