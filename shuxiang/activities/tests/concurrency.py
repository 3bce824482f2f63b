"""Running many real threads against the real database, in either mode.

PostgreSQL (server mode): threads open their own connections to the test database. SQLite
(embedded): the test database lives in memory with a shared cache, where writers fail at once
instead of waiting; so the test database is first copied (SQLite's backup API) into a file
opened exactly as the embedded node opens its own (WAL, IMMEDIATE transactions, busy timeout),
and the threads use that file.
"""

from __future__ import annotations

import contextlib
import sqlite3
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path

from django.db import connection, connections


@contextlib.contextmanager
def shared_database():
    """Threads started inside see the test database through their own connections."""
    if connection.vendor != "sqlite":
        try:
            yield
        finally:  # the threads' pooled connections would keep the test database from dropping
            connections.close_all()
            if hasattr(connection, "close_pool"):
                connection.close_pool()
        return
    folder = tempfile.mkdtemp(prefix="sx-storm-")
    target = Path(folder) / "storm.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(target) as copy:
        connection.connection.backup(copy)
    saved = connections.settings["default"]["NAME"]
    connections.settings["default"]["NAME"] = str(target)
    try:
        yield
    finally:
        connections.settings["default"]["NAME"] = saved


def in_thread(work: Callable):
    """Run ``work`` in a fresh thread (its own connection) and return its result."""
    box: list = []

    def run() -> None:
        try:
            box.append(work())
        except BaseException as exc:  # noqa: BLE001 - re-raised in the caller
            box.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=120)
    if isinstance(box[0], BaseException):
        raise box[0]
    return box[0]


def storm(count: int, work: Callable) -> list:
    """Start ``count`` threads together on ``work``; every outcome (result or exception)."""
    start = threading.Barrier(count)
    outcomes: list = []
    lock = threading.Lock()

    def attempt() -> None:
        try:
            start.wait(timeout=60)
            outcome = work()
        except Exception as exc:  # noqa: BLE001 - every outcome is inspected by the test
            outcome = exc
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=attempt) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes
