"""The one entry point other apps use to report usage: ``record(kind, library=..., ...)``.

Recording never raises into the caller and never waits on storage: the event is appended to an
in-memory, column-oriented buffer and a background thread (one per process) hands the buffer to
the statistics backend every ``SHUXIANG_STATS_FLUSH_SECONDS``. A crash loses at most that
interval; a batch the backend acknowledged is durable. Reader ids are pseudonyms: an HMAC of the
account id under ``SHUXIANG_STATS_KEY``, never the id itself.
"""

from __future__ import annotations

import atexit
import hashlib
import hmac
import logging
import os
import threading
import time
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from shuxiang.core import options
from shuxiang.stats.backends import get_backend
from shuxiang.stats.models import CHANNELS, KINDS

logger = logging.getLogger(__name__)
MAX_BUFFERED = 500_000
FLUSH_ROWS = 50_000  # a buffer this full is flushed at once instead of at the next interval
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@lru_cache(maxsize=1)
def _key() -> bytes:
    configured = options.value("STATS_KEY")
    if configured:
        return configured.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"shuxiang-stats-reader", "sha256").digest()


def pseudonym(reader: Any) -> str:
    """The stable pseudonymous id of a reader (a user, or an account id); "" for anonymous."""
    if reader is None:
        return ""
    ident = getattr(reader, "pk", reader)
    if ident is None or getattr(reader, "is_anonymous", False):
        return ""
    return _pseudonym_of(str(ident))


@lru_cache(maxsize=65_536)
def _pseudonym_of(ident: str) -> str:
    return hmac.new(_key(), ident.encode(), hashlib.sha256).hexdigest()[:24]


@lru_cache(maxsize=1)
def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


class Collector:
    """A per-process buffer of events and the thread that flushes it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._rows: list[tuple] = []
        self._thread: threading.Thread | None = None
        self._wake = threading.Event()
        self._stop = threading.Event()
        self.interval = float(options.value("STATS_FLUSH_SECONDS") or 0)
        self.dropped = 0
        self.failed = 0

    def after_fork(self) -> None:
        """In a forked child the parent's buffer and flusher thread are not ours."""
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._rows, self._thread = [], None
        self._wake, self._stop = threading.Event(), threading.Event()

    def add(self, row: tuple) -> None:
        with self._lock:
            if len(self._rows) >= MAX_BUFFERED:
                self.dropped += 1
                return
            self._rows.append(row)
            if len(self._rows) >= FLUSH_ROWS:
                self._wake.set()
            if self._thread is None and self.interval > 0:
                self._start()

    def pending(self) -> int:
        with self._lock:
            return len(self._rows)

    def _start(self) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, args=(self._stop,), name="stats-flusher", daemon=True
        )
        self._thread.start()

    def _run(self, stop: threading.Event) -> None:
        while not stop.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if stop.is_set():
                break
            try:
                self.flush()
            except Exception:  # the backend is down: keep the events and retry next round
                logger.exception("could not write usage events; will retry")
                stop.wait(self.interval)
            finally:
                _release_db_connection()
        _close_db_connection()

    def stop(self) -> None:
        """Stop the flusher thread (it flushes again when the next event arrives)."""
        with self._lock:
            thread, self._thread = self._thread, None
        if thread is not None:
            self._stop.set()
            self._wake.set()
            thread.join()

    def _drain(self) -> list[tuple]:
        with self._lock:
            rows, self._rows = self._rows, []
        return rows

    def _requeue(self, rows: list[tuple]) -> None:
        with self._lock:
            keep = max(0, min(MAX_BUFFERED - len(self._rows), len(rows)))
            self.dropped += len(rows) - keep
            self._rows[:0] = rows[:keep]

    def flush(self) -> int:
        """Write everything buffered; return how many events were acknowledged."""
        with self._flush_lock:
            rows = self._drain()
            if not rows:
                return 0
            try:
                get_backend().append_rows(rows)
            except Exception:
                self._requeue(rows)
                raise
            return len(rows)

    def discard(self) -> None:
        """Forget what is buffered (tests)."""
        self._drain()


def _release_db_connection() -> None:
    from django.db import connection

    connection.close_if_unusable_or_obsolete()


def _close_db_connection() -> None:
    from django.db import connection

    connection.close()


COLLECTOR = Collector()
os.register_at_fork(after_in_child=COLLECTOR.after_fork)


_minute_cache: dict[int, tuple[str, int]] = {}


def _local_now() -> tuple[int, str, int]:
    """(µs since the epoch, local day, local hour) of now, the calendar part cached a minute."""
    now = time.time()
    minute = int(now // 60)
    local = _minute_cache.get(minute)
    if local is None:
        moment = datetime.fromtimestamp(minute * 60, _zone())
        local = _minute_cache[minute] = (moment.date().isoformat(), moment.hour)
        if len(_minute_cache) > 4:
            _minute_cache.pop(min(_minute_cache))
    return int(now * 1_000_000), local[0], local[1]


def _when(at: datetime | None) -> tuple[int, str, int]:
    if at is None:
        return _local_now()
    if at.tzinfo is None:
        at = at.replace(tzinfo=_zone())
    local = at.astimezone(_zone())
    return (at - _EPOCH) // _ONE_MICRO, local.date().isoformat(), local.hour


def _row(kind, library, reader, resource_type, channel, item_id, at, extra) -> tuple:
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    code = getattr(library, "code", library) or ""
    if not isinstance(code, str):
        raise ValueError(f"library must be a Library or a code, not {type(library).__name__}")
    micros, day, hour = _when(at)
    return (
        micros,
        day,
        hour,
        kind,
        _clean(code, 32),
        _clean(resource_type, 40),
        channel if channel in CHANNELS else "web",
        pseudonym(reader),
        _clean(item_id, 200),
        _clean(extra.get("title"), 300),
    )


_ONE_MICRO = datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC) - _EPOCH


def _clean(value: Any, limit: int) -> str:
    """Text every store accepts: no NUL characters, at most ``limit`` characters."""
    if not value:
        return ""
    if type(value) is str and len(value) <= limit and "\x00" not in value:
        return value
    return str(value).replace("\x00", "")[:limit]


_ONE_MICRO = datetime(1970, 1, 1, 0, 0, 0, 1, tzinfo=UTC) - _EPOCH


def record(
    kind: str,
    *,
    library: Any,
    reader: Any = None,
    resource_type: str = "",
    channel: str = "web",
    item_id: str = "",
    at: datetime | None = None,
    **extra: Any,
) -> None:
    """Record one usage event. Never raises and never blocks on storage."""
    try:
        COLLECTOR.add(_row(kind, library, reader, resource_type, channel, item_id, at, extra))
    except Exception:
        COLLECTOR.failed += 1
        logger.warning("usage event rejected", exc_info=True)


def flush() -> int:
    """Write the buffered events now; return how many were acknowledged."""
    return COLLECTOR.flush()


@atexit.register
def _flush_at_exit() -> None:
    try:
        COLLECTOR.flush()
    except Exception:
        logger.exception("usage events lost at exit")
