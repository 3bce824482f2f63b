"""Incremental indexing: record ids changed in a transaction are indexed once it commits."""

from __future__ import annotations

import logging
import threading

from django.db import transaction

from shuxiang.core import pagecache

log = logging.getLogger(__name__)
_pending = threading.local()


class _Batch:
    """The record ids of one transaction, flushed by its own on-commit callback."""

    def __init__(self) -> None:
        self.ids: set[int] = set()
        self.done = False

    def __call__(self) -> None:
        self.done = True
        if self.ids:
            refresh(sorted(self.ids))


def _current() -> _Batch | None:
    batch = getattr(_pending, "batch", None)
    if batch is None or batch.done:
        return None
    connection = transaction.get_connection()
    return batch if any(entry[1] is batch for entry in connection.run_on_commit) else None


def schedule(record_id: int) -> None:
    """Queue ``record_id`` for (re)indexing after the current transaction commits.

    Many changes in one transaction share one index update; a rolled-back transaction drops
    its queue with its callback.
    """
    if not transaction.get_connection().in_atomic_block:
        refresh([record_id])
        return
    batch = _current()
    if batch is None:
        batch = _pending.batch = _Batch()
        transaction.on_commit(batch)
    batch.ids.add(record_id)


def refresh(record_ids: list[int]) -> None:
    """Bring the index up to date for these records (live ones indexed, others removed)."""
    from shuxiang.catalog.search.base import get_backend

    try:
        get_backend().update(record_ids)
    except Exception:  # the database is the source of truth; `shuxiang reindex` repairs
        log.exception("search index update failed for %d records", len(record_ids))
    pagecache.changed()  # search pages show the index: cached ones are stale now
