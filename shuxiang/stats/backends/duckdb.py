"""Embedded default: raw events as Parquet segments, DuckDB as the analytics engine.

Each flushed batch becomes one Parquet segment per local day: the rows go to a temporary CSV
file (the fastest way into DuckDB from plain Python), DuckDB converts it to a temporary Parquet
file, which is fsync'd and renamed into ``<root>/day=YYYY-MM-DD/`` — a rename is atomic, so a
killed writer leaves either a whole segment or none, and every acknowledged segment stays
readable. Any number of processes can write side by side (segment names carry the pid) while
others read.
"""

from __future__ import annotations

import csv
import itertools
import os
import threading
import time
import uuid
from datetime import date
from pathlib import Path

import duckdb
from django.conf import settings

from shuxiang.stats.backends.base import Batch, StatsBackend, batch_len, fingerprint
from shuxiang.stats.backends.compaction import compact_day, live_segments

_COPY = """
COPY (
  SELECT make_timestamp(ts) AS ts, day::DATE AS day, hour::TINYINT AS hour, kind,
         coalesce(library, '') AS library, coalesce(resource_type, '') AS resource_type,
         channel, coalesce(reader, '') AS reader, coalesce(item_id, '') AS item_id,
         coalesce(title, '') AS title
  FROM read_csv('{source}', header = false, delim = ',', quote = '"', escape = '"',
    auto_detect = false, new_line = '\\n', columns = {{
    'ts': 'BIGINT', 'day': 'VARCHAR', 'hour': 'INTEGER', 'kind': 'VARCHAR',
    'library': 'VARCHAR', 'resource_type': 'VARCHAR', 'channel': 'VARCHAR',
    'reader': 'VARCHAR', 'item_id': 'VARCHAR', 'title': 'VARCHAR'}})
) TO '{path}' (FORMAT parquet, COMPRESSION zstd)
"""
_SCOPES = "(SELECT unnest(?::VARCHAR[]) AS library, unnest(?::VARCHAR[]) AS scope)"
_DAILY = """
SELECT day, library, false, resource_type, channel, kind, count(*)::BIGINT,
       count(DISTINCT nullif(reader, ''))::BIGINT
FROM {src} GROUP BY ALL
UNION ALL
SELECT e.day, s.scope, true, e.resource_type, e.channel, e.kind, count(*)::BIGINT,
       count(DISTINCT nullif(e.reader, ''))::BIGINT
FROM {src} e JOIN {scopes} s ON s.library = e.library GROUP BY ALL
"""
_HOURLY = """
SELECT e.day, e.hour, s.scope, count(*)::BIGINT
FROM {src} e JOIN {scopes} s ON s.library = e.library GROUP BY ALL
"""
_ITEMS = """
SELECT strftime(day, '%Y-%m'), item_id, max(title), resource_type,
       count(*) FILTER (WHERE kind = 'search'),
       count(*) FILTER (WHERE kind IN ('item_view', 'download', 'play')),
       count(*) FILTER (WHERE kind IN ('download', 'play')),
       count(DISTINCT k) FILTER (WHERE kind IN ('item_view', 'download', 'play')),
       count(DISTINCT k) FILTER (WHERE kind IN ('download', 'play')),
       count(*) FILTER (WHERE kind = 'no_license'),
       count(*) FILTER (WHERE kind = 'limit_exceeded')
FROM (SELECT *, coalesce(nullif(reader, ''), ts::VARCHAR) || day::VARCHAR AS k FROM {src}
      WHERE day BETWEEN ? AND ? AND list_contains(?::VARCHAR[], library))
GROUP BY 1, 2, 4
"""
_sequence = itertools.count()


def _quoted(path: Path) -> str:
    return str(path).replace("'", "''")


def _sql_list(paths: list[Path]) -> str:
    return "[" + ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths) + "]"


class ParquetBackend(StatsBackend):
    """Parquet segments under ``root`` (default ``$SHUXIANG_DATA_DIR/stats/events``)."""

    def __init__(self, root: Path | str | None = None):
        self.root = Path(root) if root else Path(settings.DATA_DIR) / "stats" / "events"
        self.root.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = duckdb.connect()

    # -- writing ---------------------------------------------------------------------------
    def append(self, batch: Batch) -> None:
        if not batch_len(batch):
            return
        with self._lock:
            self._all_or_none([(day, _rows_of(part)) for day, part in _split_by_day(batch).items()])

    def append_rows(self, rows: list[tuple]) -> None:
        if not rows:
            return
        by_day: dict[str, list[tuple]] = {}
        for row in rows:
            by_day.setdefault(row[1], []).append(row)
        with self._lock:
            self._all_or_none(list(by_day.items()))

    def _all_or_none(self, days: list[tuple[str, object]]) -> None:
        """Write one segment per day; when one fails, remove those already written, so a
        failed batch leaves nothing behind and the caller's retry duplicates nothing."""
        written: list[Path] = []
        try:
            for day, rows in days:
                written.append(self._write_rows(day, rows))
        except BaseException:
            for path in written:
                path.unlink(missing_ok=True)
            raise

    def _write_rows(self, day: str, rows) -> Path:
        folder = self.root / f"day={day}"
        folder.mkdir(exist_ok=True)
        stem = folder / f".tmp-{uuid.uuid4().hex}"
        temp, source = stem.with_suffix(".parquet"), stem.with_suffix(".csv")
        with open(source, "w", newline="", encoding="utf-8", errors="replace") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
        try:
            self._db.execute(_COPY.format(source=_quoted(source), path=_quoted(temp)))
        finally:
            source.unlink()
        _fsync(temp)
        final = folder / f"seg-{time.time_ns()}-{os.getpid()}-{next(_sequence)}.parquet"
        os.rename(temp, final)
        _fsync(folder)
        return final

    # -- reading ---------------------------------------------------------------------------
    def segments(self, day: date | str) -> list[Path]:
        """The acknowledged, live segments of ``day`` (temporary files are never read)."""
        return live_segments(self.root / f"day={day}")

    def all_segments(self) -> list[Path]:
        return [p for folder in sorted(self.root.glob("day=*")) for p in live_segments(folder)]

    def merge_segments(self, sources: list[Path], target: Path) -> None:
        """Write the rows of ``sources`` into one fsync'd Parquet file ``target``."""
        sql = f"COPY (SELECT * FROM {self._source(sources)}) TO '{_quoted(target)}' "
        with self._lock:
            self._db.execute(sql + "(FORMAT parquet, COMPRESSION zstd)")
        _fsync(target)

    def compact(self, before: date) -> int:
        """Merge the segments of every day before ``before``; return how many days merged."""
        merged = 0
        for folder in sorted(self.root.glob("day=*")):
            if folder.name[4:] < before.isoformat() and compact_day(self, folder):
                merged += 1
        return merged

    def day_fingerprints(self) -> dict[date, str]:
        result = {}
        for folder in self.root.glob("day=*"):
            names = [p.name for p in live_segments(folder)]
            if names:
                result[date.fromisoformat(folder.name[4:])] = fingerprint(names)
        return result

    def _source(self, paths: list[Path]) -> str:
        return f"read_parquet({_sql_list(paths)})"

    def _query(self, sql: str, params: list) -> list[tuple]:
        with self._lock:
            cursor = self._db.cursor()
            try:
                return cursor.execute(sql, params).fetchall()
            finally:
                cursor.close()

    def _over(self, paths_of, sql_of, params: list) -> list[tuple]:
        """Run ``sql_of(source)`` over the segments ``paths_of()`` lists; list and run once
        more if a compaction removed a listed segment meanwhile."""
        for attempt in (1, 2):
            paths = paths_of()
            if not paths:
                return []
            try:
                return self._query(sql_of(self._source(paths)), params)
            except duckdb.IOException:
                if attempt == 2:
                    raise
        return []

    def _days(self, days: list[date]):
        return lambda: [p for day in days for p in self.segments(day)]

    def daily_rows(self, days: list[date], scopes: list[tuple[str, str]]) -> list[tuple]:
        sql_of = lambda src: _DAILY.format(src=src, scopes=_SCOPES)  # noqa: E731
        return self._over(self._days(days), sql_of, _scope_params(scopes))

    def hourly_rows(self, days: list[date], scopes: list[tuple[str, str]]) -> list[tuple]:
        sql_of = lambda src: _HOURLY.format(src=src, scopes=_SCOPES)  # noqa: E731
        return self._over(self._days(days), sql_of, _scope_params(scopes))

    def item_rows(self, begin: date, end: date, libraries: list[str]) -> list[tuple]:
        first, last = begin.isoformat(), end.isoformat()

        def paths_of() -> list[Path]:
            return [p for p in self.all_segments() if first <= p.parent.name[4:] <= last]

        sql_of = lambda src: _ITEMS.format(src=src)  # noqa: E731
        return self._over(paths_of, sql_of, [begin, end, libraries])

    def count(self, **equals: str) -> int:
        where = " AND ".join(f"{name}::VARCHAR = ?" for name in equals) or "true"
        sql_of = lambda src: f"SELECT count(*) FROM {src} WHERE {where}"  # noqa: E731
        rows = self._over(self.all_segments, sql_of, list(equals.values()))
        return rows[0][0] if rows else 0


_ORDER = ("ts", "day", "hour", "kind", "library", "resource_type", "channel", "reader")
_ORDER = (*_ORDER, "item_id", "title")


def _scope_params(scopes: list[tuple[str, str]]) -> list:
    return [[library for library, _ in scopes], [scope for _, scope in scopes]]


def _rows_of(batch: Batch):
    return zip(*(batch[name] for name in _ORDER), strict=True)


def _split_by_day(batch: Batch) -> dict[str, Batch]:
    days = batch["day"]
    first = days[0]
    if all(day == first for day in days):
        return {first: batch}
    groups: dict[str, list[int]] = {}
    for index, day in enumerate(days):
        groups.setdefault(day, []).append(index)
    return {
        day: {name: [values[i] for i in indexes] for name, values in batch.items()}
        for day, indexes in groups.items()
    }


def _fsync(path: Path) -> None:
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
