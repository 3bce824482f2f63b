"""Where cached anonymous pages live: a store shared by every worker of the node.

A store keeps opaque page entries under keys, with a lifetime, and one **generation** counter.
Every event that changes what a page shows bumps the generation once its transaction commits;
an entry remembers the generation it was rendered under and is served only while that is still
the current one. The embedded default is a SQLite file in the data dir (shared by the workers of
``shuxiang serve``); server mode uses Redis. ``SHUXIANG_PAGE_CACHE_STORE`` names another class.
"""

from __future__ import annotations

import sqlite3
import time

from django.conf import settings
from django.utils.module_loading import import_string

from shuxiang.core import options
from shuxiang.core.localfiles import MappedCounter, SharedSQLite


class PageStore:
    """The interface: entries by key with a lifetime, and the node's page generation."""

    def generation(self) -> int:
        raise NotImplementedError

    def bump(self) -> None:
        """Advance the generation: every entry stored so far is stale."""
        raise NotImplementedError

    def get(self, key: str) -> bytes | None:
        raise NotImplementedError

    def put(self, key: str, value: bytes, seconds: int) -> None:
        raise NotImplementedError


class SQLiteStore(PageStore):
    """Embedded default: pages in one SQLite file (WAL) shared by every worker process, and the
    generation in a small memory-mapped file next to it (read on every request, so it must
    cost nothing; bumps take a file lock)."""

    SCHEMA = ("CREATE TABLE IF NOT EXISTS pages (key TEXT PRIMARY KEY, expires REAL, value BLOB)",)

    def __init__(self, path: str | None = None):
        self.path = str(path or settings.DATA_DIR / "pagecache.sqlite3")
        self._file = SharedSQLite(self.path, self.SCHEMA, timeout=0.5)
        self._counter = MappedCounter(self.path + ".generation")

    def _db(self) -> sqlite3.Connection:
        return self._file.connection()

    def generation(self) -> int:
        return self._counter.value()

    def bump(self) -> None:
        self._counter.bump()
        self._db().execute("DELETE FROM pages")  # stale now: free the space

    def get(self, key: str) -> bytes | None:
        row = (
            self._db()
            .execute("SELECT value FROM pages WHERE key = ? AND expires > ?", (key, time.time()))
            .fetchone()
        )
        return row[0] if row else None

    def put(self, key: str, value: bytes, seconds: int) -> None:
        now = time.time()
        db = self._db()
        db.execute("INSERT OR REPLACE INTO pages VALUES (?, ?, ?)", (key, now + seconds, value))
        if hash(key) % 64 == 0:  # now and then, drop expired pages
            db.execute("DELETE FROM pages WHERE expires <= ?", (now,))


class RedisStore(PageStore):
    """Server mode: entries and the generation in Redis (``SHUXIANG_REDIS_URL``)."""

    PREFIX = "shuxiang:page:"
    GENERATION = "shuxiang:page-generation"

    def __init__(self, url: str | None = None):
        import redis

        self.client = redis.Redis.from_url(url or settings.REDIS_URL)

    def generation(self) -> int:
        return int(self.client.get(self.GENERATION) or 0)

    def bump(self) -> None:
        self.client.incr(self.GENERATION)

    def get(self, key: str) -> bytes | None:
        return self.client.get(self.PREFIX + key)

    def put(self, key: str, value: bytes, seconds: int) -> None:
        self.client.set(self.PREFIX + key, value, ex=seconds)


_store: PageStore | None = None


def get_store() -> PageStore:
    """The configured store of this process."""
    global _store
    if _store is None:
        path = options.value("PAGE_CACHE_STORE")
        if path:
            _store = import_string(path)()
        elif settings.REDIS_URL:
            _store = RedisStore()
        else:
            _store = SQLiteStore()
    return _store


def reset_store() -> None:
    """Forget the store (settings changed, e.g. in tests)."""
    global _store
    _store = None
