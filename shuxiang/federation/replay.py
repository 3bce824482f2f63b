"""Where signature nonces are remembered (replay protection) and the peer-trust generation.

Both must be shared by every process of the node and survive a restart of its workers:

- embedded (SQLite): nonces in their own small SQLite file ``<DATA_DIR>/federation/
  replay.sqlite3`` (WAL; a claim is one ``INSERT OR IGNORE`` on a connection each process keeps
  open, so it never waits behind the catalogue's writers on the main database), and the
  generation in a memory-mapped 8-byte file next to it (read on every signed request);
- server mode with Redis: ``SET key NX EX`` per nonce, ``INCR`` for the generation;
- server mode without Redis: the ``SeenNonce`` table; no generation (nothing is cached).

A nonce is claimed only after its signature verified, and kept until the signature could no
longer verify (its ``expires`` plus the clock skew), so every accepted nonce is refused again.
The generation advances whenever a peer node's status or keys change (``peer_trust``); each
process drops the peer keys it cached when it sees a new generation.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
import time
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction

from shuxiang.core.localfiles import MappedCounter, SharedSQLite


class ReplayStore:
    """The interface: claim a nonce once; read and advance the trust generation."""

    cacheable = True  # False: the generation cannot be shared, so keys are not cached

    def claim(self, key_id: str, nonce: str, until: int) -> bool:
        """True the first time ``(key_id, nonce)`` is claimed; ``until``: a Unix time."""
        raise NotImplementedError

    def generation(self) -> int:
        raise NotImplementedError

    def bump(self) -> None:
        raise NotImplementedError


class SQLiteStore(ReplayStore):
    """Embedded: a SQLite file for nonces and a memory-mapped counter for the generation."""

    SCHEMA = (
        "CREATE TABLE IF NOT EXISTS nonces (key TEXT PRIMARY KEY, until INTEGER NOT NULL)"
        " WITHOUT ROWID",
    )

    def __init__(self, folder: str | None = None):
        base = folder or os.path.join(settings.DATA_DIR, "federation")
        os.makedirs(base, exist_ok=True)
        self.path = os.path.join(base, "replay.sqlite3")
        self.counter_path = os.path.join(base, "trust.generation")
        self._file = SharedSQLite(self.path, self.SCHEMA, timeout=20)
        self._counter = MappedCounter(self.counter_path)

    def _db(self) -> sqlite3.Connection:
        return self._file.connection()

    def claim(self, key_id: str, nonce: str, until: int) -> bool:
        db = self._db()
        fresh = db.execute(
            "INSERT OR IGNORE INTO nonces VALUES (?, ?)", (f"{key_id} {nonce}", until)
        ).rowcount
        if secrets.randbelow(200) == 0:  # now and then, forget nonces that can no longer verify
            db.execute("DELETE FROM nonces WHERE until < ?", (int(time.time()),))
        return fresh == 1

    def generation(self) -> int:
        return self._counter.value()

    def bump(self) -> None:
        self._counter.bump()


class RedisStore(ReplayStore):
    """Server mode: ``SET NX EX`` per nonce and a counter, in Redis (``SHUXIANG_REDIS_URL``)."""

    PREFIX = "shuxiang:fed:nonce:"
    GENERATION = "shuxiang:fed:trust-generation"

    def __init__(self, url: str | None = None):
        import redis

        self.client = redis.Redis.from_url(url or settings.REDIS_URL)

    def claim(self, key_id: str, nonce: str, until: int) -> bool:
        seconds = max(1, until - int(time.time()) + 1)
        return bool(self.client.set(f"{self.PREFIX}{key_id}:{nonce}", b"1", nx=True, ex=seconds))

    def generation(self) -> int:
        return int(self.client.get(self.GENERATION) or 0)

    def bump(self) -> None:
        self.client.incr(self.GENERATION)


class DatabaseStore(ReplayStore):
    """Server mode without Redis: nonces in the ``SeenNonce`` table; peer keys not cached."""

    cacheable = False

    def claim(self, key_id: str, nonce: str, until: int) -> bool:
        from shuxiang.federation.models import SeenNonce

        expires = datetime.fromtimestamp(until, tz=UTC)
        try:
            with transaction.atomic():
                SeenNonce.objects.create(key_id=key_id, nonce=nonce, expires=expires)
        except IntegrityError:
            return False
        if secrets.randbelow(100) == 0:
            SeenNonce.objects.filter(expires__lt=datetime.now(UTC)).delete()
        return True

    def generation(self) -> int:
        return 0

    def bump(self) -> None:
        pass


_store: ReplayStore | None = None
_made_for: tuple | None = None


def get_store() -> ReplayStore:
    """This process's store (by mode: SQLite file, Redis, or the database table), made again
    when the settings it was made for change (another data folder or Redis, as in tests)."""
    global _store, _made_for
    wanted = (settings.REDIS_URL, settings.SERVER_MODE, str(settings.DATA_DIR))
    if _store is None or _made_for != wanted:
        if settings.REDIS_URL:
            _store = RedisStore()
        elif settings.SERVER_MODE:
            _store = DatabaseStore()
        else:
            _store = SQLiteStore()
        _made_for = wanted
    return _store


def reset_store() -> None:
    """Forget the store (the data folder or the settings changed, e.g. in tests)."""
    global _store
    _store = None
