"""Files the worker processes of one embedded node share: a memory-mapped generation counter
and a SQLite connection per process and thread (used by the page cache and federation's
replay store)."""

from __future__ import annotations

import fcntl
import mmap
import os
import sqlite3
import threading
from collections.abc import Iterable


class MappedCounter:
    """An 8-byte counter in a small memory-mapped file: reading it costs nothing (it is read on
    every request); a bump takes a file lock so concurrent bumps are never lost."""

    def __init__(self, path: str):
        self.path = path
        self._mapped: tuple[int, mmap.mmap] | None = None

    def _map(self) -> mmap.mmap:
        if self._mapped is None or self._mapped[0] != os.getpid():
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                if os.fstat(fd).st_size < 8:
                    os.pwrite(fd, bytes(8), 0)
                self._mapped = (os.getpid(), mmap.mmap(fd, 8))
            finally:
                os.close(fd)
        return self._mapped[1]

    def value(self) -> int:
        return int.from_bytes(self._map()[:8], "little")

    def bump(self) -> None:
        counter = self._map()
        with open(self.path, "rb") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                counter[:8] = (self.value() + 1).to_bytes(8, "little")
                counter.flush()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)


class SharedSQLite:
    """One SQLite file (WAL) shared by the node's processes; each process and thread gets its
    own connection, opened once with ``schema`` applied."""

    def __init__(self, path: str, schema: Iterable[str], timeout: float):
        self.path, self.schema, self.timeout = path, tuple(schema), timeout
        self._local = threading.local()

    def connection(self) -> sqlite3.Connection:
        db = getattr(self._local, "db", None)
        if db is None or self._local.pid != os.getpid():
            db = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")
            for statement in self.schema:
                db.execute(statement)
            self._local.db, self._local.pid = db, os.getpid()
        return db
