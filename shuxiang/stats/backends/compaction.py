"""Merging a day's many small Parquet segments into one, safely against crashes and readers.

Steps: write the merged file under a temporary name; write a manifest ``compact-<id>.json``
naming the merged file and its sources; rename the merged file into place (the commit point);
delete the sources; delete the manifest. Readers list the segments first and then drop every
source of a manifest whose merged file is in their listing, so at any instant a reader sees
either the sources or the merged file, never both and never neither. A crash leaves at worst
a manifest that the next compaction finishes (or, before the commit point, discards).
"""

from __future__ import annotations

import json
import os
import time
import uuid
from pathlib import Path

SEGMENTS = "seg-*.parquet"
STALE_SECONDS = 3600


def live_segments(folder: Path) -> list[Path]:
    """The segments of a day folder that hold its events (superseded sources left out)."""
    listed = sorted(folder.glob(SEGMENTS))
    names = {p.name for p in listed}
    superseded: set[str] = set()
    for manifest in folder.glob("compact-*.json"):
        try:
            data = json.loads(manifest.read_text())
        except (OSError, ValueError):
            continue
        if data.get("merged") in names:
            superseded.update(data.get("sources", []))
    return [p for p in listed if p.name not in superseded]


def _finish(folder: Path) -> None:
    """Complete or discard the compactions a crash interrupted."""
    for manifest in folder.glob("compact-*.json"):
        try:
            data = json.loads(manifest.read_text())
        except (OSError, ValueError):
            data = {}
        if data.get("merged") and (folder / data["merged"]).exists():
            for name in data.get("sources", []):
                (folder / name).unlink(missing_ok=True)
        manifest.unlink(missing_ok=True)
    stale = time.time() - STALE_SECONDS  # a younger temporary file may be a live writer's
    for leftover in folder.glob(".tmp-*"):
        try:
            if leftover.stat().st_mtime < stale:
                leftover.unlink(missing_ok=True)
        except FileNotFoundError:
            pass


def _fsync_folder(folder: Path) -> None:
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def _write_atomically(path: Path, text: str) -> None:
    temp = path.with_name(f".tmp-{uuid.uuid4().hex}")
    with open(temp, "w") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.rename(temp, path)
    _fsync_folder(path.parent)


def compact_day(backend, folder: Path, *, crash_after_commit: bool = False) -> bool:
    """Merge the live segments of ``folder`` into one; True when something was merged.

    Only for days no writer is expected to touch (the caller picks closed days); a segment a
    late writer adds meanwhile is simply not among the sources and stays as it is.
    """
    _finish(folder)
    sources = live_segments(folder)
    if len(sources) < 2:
        return False
    token = uuid.uuid4().hex
    final = folder / f"seg-c{time.time_ns()}-{token}.parquet"
    temp = folder / f".tmp-{token}.parquet"
    backend.merge_segments(sources, temp)
    manifest = folder / f"compact-{token}.json"
    record = {"merged": final.name, "sources": [p.name for p in sources]}
    _write_atomically(manifest, json.dumps(record))
    os.rename(temp, final)  # the commit point: readers now take ``final`` for the sources
    _fsync_folder(folder)
    if crash_after_commit:
        return True
    _finish(folder)
    return True
