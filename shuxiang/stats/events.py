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
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings

from shuxiang.core import options
from shuxiang.stats.backends import get_backend
from shuxiang.stats.backends.base import COLUMNS, Batch, batch_len, empty_batch
from shuxiang.stats.models import CHANNELS, KINDS

logger = logging.getLogger(__name__)
MAX_BUFFERED = 500_000
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
    return hmac.new(_key(), str(ident).encode(), hashlib.sha256).hexdigest()[:24]


@lru_cache(maxsize=1)
def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


class Collector:
    """A per-process buffer of events and the thread that flushes it."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._buffer: Batch = empty_batch()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()
        self.interval = float(options.value("STATS_FLUSH_SECONDS") or 0)
        self.dropped = 0
        self.failed = 0

    def add(self, row: tuple) -> None:
        with self._lock:
            if self._pid != os.getpid():  # forked: the parent's buffer and thread are not ours
                self._buffer, self._thread, self._pid = empty_batch(), None, os.getpid()
            if len(self._buffer["ts"]) >= MAX_BUFFERED:
                self.dropped += 1
                return
            for column, value in zip(self._buffer.values(), row, strict=True):
                column.append(value)
            if self._thread is None and self.interval > 0:
                self._start()

    def pending(self) -> int:
        with self._lock:
            return batch_len(self._buffer)

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="stats-flusher", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        stop = threading.Event()
        while not stop.wait(self.interval):
            try:
                self.flush()
            except Exception:  # the backend is down: keep the events and retry next round
                logger.exception("could not write usage events; will retry")
            finally:
                _release_db_connection()

    def _drain(self) -> Batch:
        with self._lock:
            batch, self._buffer = self._buffer, empty_batch()
        return batch

    def _requeue(self, batch: Batch) -> None:
        with self._lock:
            room = MAX_BUFFERED - batch_len(self._buffer)
            keep = min(room, batch_len(batch))
            self.dropped += batch_len(batch) - keep
            for name in COLUMNS:
                self._buffer[name][:0] = batch[name][:keep]

    def flush(self) -> int:
        """Write everything buffered; return how many events were acknowledged."""
        with self._flush_lock:
            batch = self._drain()
            if not batch_len(batch):
                return 0
            try:
                get_backend().append(batch)
            except Exception:
                self._requeue(batch)
                raise
            return batch_len(batch)

    def discard(self) -> None:
        """Forget what is buffered (tests)."""
        self._drain()


def _release_db_connection() -> None:
    from django.db import connection

    connection.close_if_unusable_or_obsolete()


COLLECTOR = Collector()


def _row(kind, library, reader, resource_type, channel, item_id, at, extra) -> tuple:
    if kind not in KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    moment = at or datetime.now(UTC)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_zone())
    local = moment.astimezone(_zone())
    micros = (moment - _EPOCH) // _ONE_MICRO
    code = getattr(library, "code", library) or ""
    if not isinstance(code, str):
        raise ValueError(f"library must be a Library or a code, not {type(library).__name__}")
    return (
        micros,
        local.date().isoformat(),
        local.hour,
        kind,
        _clean(code, 32),
        _clean(resource_type, 40),
        channel if channel in CHANNELS else "web",
        pseudonym(reader),
        _clean(item_id, 200),
        _clean(extra.get("title"), 300),
    )


def _clean(value: Any, limit: int) -> str:
    """Text every store accepts: no NUL characters, at most ``limit`` characters."""
    return str(value or "").replace("\x00", "")[:limit]


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
