"""The SPARQL 1.1 query service: validation, a pool of worker processes, timeouts, limits.

Hostile queries meet four bounds: the query text's length; no SERVICE (the node fetches nothing
for a client) and no update (the query parser refuses them, and the store is a read-only
snapshot); the timeout, past which the worker process is killed and replaced; the result limit,
past which the answer is cut (``X-SPARQL-Truncated: true``). A worker's address space is capped,
so a query that would eat the memory fails alone.
"""

from __future__ import annotations

import multiprocessing
import re
import threading
from dataclasses import dataclass

from django.utils.translation import gettext as _

from shuxiang.core import options
from shuxiang.linkeddata import sparql_worker, store

SERVICE = re.compile(r"\bSERVICE\b", re.IGNORECASE | re.ASCII)
UPDATE = re.compile(
    r"^\s*(?:(?:PREFIX|BASE)\s[^\n]*\s*)*(INSERT|DELETE|LOAD|CLEAR|CREATE|DROP|COPY|MOVE|ADD)\b",
    re.IGNORECASE | re.ASCII,
)


class QueryRefused(Exception):
    """The query cannot be run: ``status`` is the HTTP status, ``reason`` says why."""

    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass
class Answer:
    media_type: str
    body: bytes
    truncated: bool


def check(query: str) -> None:
    """Refuse empty, over-long, update and SERVICE queries before any work is done."""
    limit = options.value("SPARQL_MAX_QUERY_CHARS")
    if not query.strip():
        raise QueryRefused(400, _("query: a SPARQL query is required."))
    if len(query) > limit:
        raise QueryRefused(400, _("query: longer than %(limit)s characters.") % {"limit": limit})
    if "\x00" in query:
        raise QueryRefused(400, _("query: NUL characters are not allowed."))
    if UPDATE.match(query):
        raise QueryRefused(400, _("query: this endpoint is read-only; updates are refused."))
    if SERVICE.search(query):
        raise QueryRefused(400, _("query: federated SERVICE calls are not allowed here."))


class _Worker:
    def __init__(self):
        context = multiprocessing.get_context("spawn")
        self.connection, child = context.Pipe()
        self.process = context.Process(
            target=sparql_worker.serve,
            args=(child, options.value("SPARQL_MEMORY_MB")),
            daemon=True,
        )
        self.process.start()
        child.close()

    def kill(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.connection.close()


class Pool:
    """At most ``SPARQL_WORKERS`` queries at once; a stuck worker is killed and replaced."""

    def __init__(self):
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._slots = threading.BoundedSemaphore(max(1, options.value("SPARQL_WORKERS")))

    def run(self, request: dict, timeout: float) -> tuple:
        if not self._slots.acquire(timeout=timeout):
            raise QueryRefused(503, _("The SPARQL service is busy; try again shortly."))
        try:
            return self._run(request, timeout)
        finally:
            self._slots.release()

    def _run(self, request: dict, timeout: float) -> tuple:
        with self._lock:
            worker = self._idle.pop() if self._idle else None
        if worker is None or not worker.process.is_alive():
            worker = _Worker()
        worker.connection.send(request)
        if not worker.connection.poll(timeout):
            worker.kill()
            raise QueryRefused(
                503,
                _("The query ran longer than %(seconds)s s and was stopped.")
                % {"seconds": timeout},
            )
        try:
            reply = worker.connection.recv()
        except EOFError:
            worker.kill()
            raise QueryRefused(503, _("The query exhausted the worker and was stopped.")) from None
        with self._lock:
            self._idle.append(worker)
        return reply

    def close(self) -> None:
        with self._lock:
            workers, self._idle = self._idle, []
        for worker in workers:
            worker.kill()


_pool: Pool | None = None
_pool_lock = threading.Lock()


def pool() -> Pool:
    global _pool
    with _pool_lock:
        if _pool is None:
            _pool = Pool()
        return _pool


def execute(
    query: str,
    *,
    select_media: str,
    boolean_media: str,
    graph_media: str,
    default_graphs: list[str] | None = None,
) -> Answer:
    """Run a checked query on the newest snapshot; raises QueryRefused with the reason."""
    check(query)
    snapshot = store.current_snapshot()
    if snapshot is None:
        raise QueryRefused(503, _("The linked-data store is being built; try again shortly."))
    request = {
        "query": query,
        "snapshot": str(snapshot),
        "limit": options.value("SPARQL_RESULT_LIMIT"),
        "select_media": select_media,
        "boolean_media": boolean_media,
        "graph_media": graph_media,
        "default_graphs": default_graphs or [],
    }
    status, detail, body, truncated = pool().run(request, options.value("SPARQL_TIMEOUT_SECONDS"))
    if status == "ok":
        return Answer(detail, body, truncated)
    if status == "syntax":
        raise QueryRefused(400, _("query: %(reason)s") % {"reason": detail})
    if status == "memory":
        raise QueryRefused(503, _("The query needed more memory than allowed and was stopped."))
    raise QueryRefused(400, _("query: %(reason)s") % {"reason": detail})
