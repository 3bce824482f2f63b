"""Likes (点赞): one per reader per work per Beijing day, during the like period.

Exactly once under any concurrency: the row's unique constraint (work, reader, day) decides,
never a read-then-write. A like needs a signed-in reader and passes rate limits per reader,
per IP and per device (fixed one-minute windows in the cache: Redis in server mode).

Round trips per like: the three rate-limit counters in one Redis pipeline (server mode), then
one statement on PostgreSQL — ``INSERT … ON CONFLICT DO NOTHING RETURNING`` feeding the
counter's ``UPDATE … RETURNING`` in a data-modifying CTE, atomic as a single statement — or,
on SQLite, the same insert and the counter update in one transaction. The work is not read
again: the new count comes back from the update.
"""

from __future__ import annotations

import datetime as dt
import threading
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils.translation import gettext as _

from shuxiang.activities import clock, phases
from shuxiang.activities.boards import board
from shuxiang.activities.models import Like, Work
from shuxiang.core.errors import Conflict, FieldError, PermissionDenied, ServiceError

WINDOW_SECONDS = 120  # a one-minute window's counter lives on for a minute after it closes


class RateLimited(ServiceError):
    status = 429


class _LocalWindows:
    """Fixed-window counters of this process, for the embedded default's local-memory cache.

    The same semantics as that cache (it is per process too) without its per-key validation,
    pickling and expiry bookkeeping; windows older than the previous minute are dropped.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._minute = 0

    def bump(self, keys: list[str], minute: int) -> list[int]:
        with self._lock:
            if minute != self._minute:
                self._minute = minute
                stale = [k for k in self._counts if int(k.rsplit(":", 1)[1]) < minute - 1]
                for key in stale:
                    del self._counts[key]
            counts = []
            for key in keys:
                self._counts[key] = count = self._counts.get(key, 0) + 1
                counts.append(count)
            return counts

    def forget(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._counts.pop(key, None)


LOCAL = _LocalWindows()


@lru_cache(maxsize=4)
def _uses_redis(backend: str) -> bool:
    return backend.endswith("RedisCache")


def _redis():
    """The cache's Redis client in server mode, else None (the local windows)."""
    if not _uses_redis(settings.CACHES["default"]["BACKEND"]):
        return None
    return cache._cache.get_client(write=True)  # noqa: SLF001 - one pipeline for the windows


def _bump_windows(keys: list[str], minute: int) -> list[int]:
    """Count one more hit in each window; the new counts (one round trip on Redis)."""
    client = _redis()
    if client is None:
        return LOCAL.bump(keys, minute)
    pipe = client.pipeline(transaction=False)
    for key in keys:
        full = cache.make_key(key)
        pipe.set(full, 0, ex=WINDOW_SECONDS, nx=True)
        pipe.incr(full)
    return [int(n) for n in pipe.execute()[1::2]]


def forget_windows(keys: list[str]) -> None:
    """Drop rate windows (tests reuse account ids within one minute)."""
    cache.delete_many(keys)
    LOCAL.forget(keys)


def _within_limits(reader_id: int, ip: str, device: str, at: dt.datetime) -> None:
    minute = int(at.timestamp() // 60)
    limits = settings.ACTIVITIES_LIKE_LIMITS
    scopes = [
        (scope, ident)
        for scope, ident in (("reader", reader_id), ("ip", ip), ("device", device))
        if ident and limits.get(scope)
    ]
    keys = [f"act:like-rate:{scope}:{ident}:{minute}" for scope, ident in scopes]
    for (scope, _ident), count in zip(scopes, _bump_windows(keys, minute), strict=True):
        if count > limits[scope]:
            reason = _("Too many likes from this %(scope)s; wait a minute.") % {"scope": scope}
            raise RateLimited(reason, [FieldError(scope, reason, "rate_limited")])


def _check(work: Work, by, day: dt.date) -> None:
    if not getattr(by, "is_authenticated", False):
        raise PermissionDenied(_("Sign in to like a work."))
    if not work.on_board:
        raise Conflict.single("work", _("This work is not open for likes."), "not_open")
    phases.require_open(work.campaign, "liking", "work", day)


def _insert(work_id: int, reader_id: int, day: dt.date, at: dt.datetime, ip: str, device: str):
    """The like's row and the counter; the new count, or None when already liked that day."""
    ops = connection.ops
    likes, works = ops.quote_name(Like._meta.db_table), ops.quote_name(Work._meta.db_table)
    insert = (
        f"INSERT INTO {likes} (work_id, reader_id, day, at, ip, device, voided, void_reason) "
        "VALUES (%s, %s, %s, %s, %s, %s, FALSE, '') "
        "ON CONFLICT (work_id, reader_id, day) DO NOTHING"
    )
    count = f"UPDATE {works} SET like_count = like_count + 1 WHERE id"
    params = [
        work_id,
        reader_id,
        ops.adapt_datefield_value(day),
        ops.adapt_datetimefield_value(at),
        ip,
        device,
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":  # one statement: atomic without a transaction
            cursor.execute(
                f"WITH liked AS ({insert} RETURNING work_id) "
                f"{count} IN (SELECT work_id FROM liked) RETURNING like_count",
                params,
            )
            row = cursor.fetchone()
            return row[0] if row else None
        with transaction.atomic():
            cursor.execute(insert, params)
            if cursor.rowcount != 1:
                return None
            cursor.execute(f"{count} = %s RETURNING like_count", [work_id])
            return cursor.fetchone()[0]


def like(work: Work, *, by, ip: str = "", device: str = "", at: dt.datetime | None = None) -> bool:
    """Record ``by``'s like of ``work``; False when they already liked it this Beijing day."""
    at = at or clock.now()
    day = clock.beijing_day(at)
    _check(work, by, day)
    _within_limits(by.pk, ip, device[:64], at)
    counted = _insert(work.pk, by.pk, day, at, ip, device[:64])
    if counted is None:
        return False
    work.like_count = counted
    transaction.on_commit(lambda: board().bump(work, 1))
    _record_usage(work, by)
    return True


def _record_usage(work: Work, reader) -> None:
    from shuxiang.stats.events import record

    record(
        "item_view",
        library=work.library,
        reader=reader,
        resource_type="activities.like",
        item_id=f"activities:work:{work.pk}",
    )
