"""What the gateway keeps in memory between requests, so most requests touch no database.

- ``Recent``: a small time-limited cache (gateway sessions for 30 s, a reader's refusal or
  admission for a vendor for 5 s; a pause made in this process replaces the entry at once,
  other processes see it within those seconds).
- ``Tally``: hourly counts of HTML and other answers, added up in memory and written in one
  transaction at most every second (a killed process loses at most that second of these
  counts; PDFs, which the limit is about, are counted in the database at once).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from asgiref.sync import sync_to_async
from django.utils import timezone

from shuxiang.proxy import services

FLUSH_SECONDS = 1.0
log = logging.getLogger(__name__)


class Recent:
    """A time-limited cache of at most ``size`` entries."""

    def __init__(self, seconds: float, size: int = 50_000) -> None:
        self.seconds, self.size = seconds, size
        self.rows: dict[Any, tuple[float, Any]] = {}

    def get(self, key, default=None):
        row = self.rows.get(key)
        if row is None or row[0] < time.monotonic():
            return default
        return row[1]

    def put(self, key, value) -> None:
        if len(self.rows) >= self.size:
            self.rows.clear()
        self.rows[key] = (time.monotonic() + self.seconds, value)


class Tally:
    """Hourly counts waiting to be written: (user, vendor, kind, hour) → [count, bytes]."""

    def __init__(self) -> None:
        self.pending: dict[tuple, list[int]] = {}
        self.scheduled = False
        self.tasks: set[asyncio.Task] = set()
        self.lock = asyncio.Lock()

    def add(self, user_id: int, vendor_id: int, kind: str, size: int) -> None:
        """Count one answer; it is written within ``FLUSH_SECONDS`` (call in the event loop)."""
        hour = timezone.now().replace(minute=0, second=0, microsecond=0)
        row = self.pending.setdefault((user_id, vendor_id, kind, hour), [0, 0])
        row[0] += 1
        row[1] += size
        if not self.scheduled:
            self.scheduled = True
            asyncio.get_running_loop().call_later(FLUSH_SECONDS, self._start_flush)

    def _start_flush(self) -> None:
        task = asyncio.ensure_future(self.flush())
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def flush(self) -> None:
        """Write what is pending in one transaction; on failure keep it for the next round.

        One flush at a time: a caller that needs the counts written waits for one in flight."""
        async with self.lock:
            await self._flush()

    async def _flush(self) -> None:
        rows, self.pending, self.scheduled = self.pending, {}, False
        if not rows:
            return
        try:
            await sync_to_async(services.add_counts, thread_sensitive=False)(rows)
        except Exception:
            log.exception("could not write %d usage windows; retrying", len(rows))
            for key, (n, size) in rows.items():
                row = self.pending.setdefault(key, [0, 0])
                row[0], row[1] = row[0] + n, row[1] + size
            if not self.scheduled:
                self.scheduled = True
                asyncio.get_running_loop().call_later(FLUSH_SECONDS, self._start_flush)


class PdfGauge:
    """PDFs a reader fetched from a vendor this hour, as far as this process can tell cheaply.

    The estimate is the database's count when last read (at most once a second per reader and
    vendor) plus the PDFs this process passed since; the PDFs themselves are written through
    the ``Tally`` like other answers. Only when the estimate passes the limit is the database
    asked exactly (after writing what is pending): a pause is never made on an estimate. With
    several gateway processes a breach is seen within about a second.
    """

    def __init__(self, tally: Tally) -> None:
        self.tally = tally
        self.rows: dict[tuple, list] = {}  # (user, vendor, hour) → [db count, own since, read at]

    async def add(self, user_id: int, vendor_id: int, size: int) -> int:
        """Count one PDF; the estimate of this hour's PDFs including it."""
        self.tally.add(user_id, vendor_id, "pdf", size)
        hour = timezone.now().replace(minute=0, second=0, microsecond=0)
        key = (user_id, vendor_id, hour)
        row = self.rows.get(key)
        if row is None or row[2] + FLUSH_SECONDS < time.monotonic():
            if len(self.rows) > 50_000:
                self.rows.clear()
            read = sync_to_async(services.pdfs_this_hour, thread_sensitive=False)
            counted = await read(user_id, vendor_id, hour)
            own = row[1] if row is not None else 0
            row = self.rows[key] = [max(counted, own), 0, time.monotonic()]
        row[1] += 1
        return row[0] + row[1]
