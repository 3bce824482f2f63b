"""Background work of the linked data: refresh touched documents; rebuild and dump nightly."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from shuxiang.linkeddata import dumps, store, sync

log = logging.getLogger(__name__)


@db_task(retries=3, retry_delay=30)
def refresh(changes: list[tuple[str, object]]) -> int:
    """Rewrite the store documents of the changed rows (after their commit)."""
    if not store.exists():
        return 0
    return sync.refresh_now([tuple(change) for change in changes])


@db_task()
def rebuild() -> int:
    return sync.rebuild_now()


@db_periodic_task(crontab(hour="3", minute="17"))
def rebuild_and_dump() -> None:
    """Every night: rebuild the store from the database, then write the dumps and VoID."""
    count = sync.rebuild_now()
    written = dumps.write_all()
    log.info("linked data: %s documents, dumps %s", count, [d.name for d in written])
