"""Resolution: ``GET /id/<identifier>`` answered from the compact resolve table.

Status codes: an active identifier answers **302 Found** with ``Location`` set to its current
primary URL (temporary on purpose: clients and proxies re-resolve after ``max-age``, so a moved
resource is found at its new address). ``Accept: application/json`` or ``?format=json`` gives the
Handle-shaped record (200). Withdrawn identifiers answer 410 with a tombstone, unknown ones 404.
Every answer carries ``Cache-Control: public, max-age=SHUXIANG_PID_CACHE_SECONDS``, ``Vary:
Accept`` and, when found, an ``ETag`` that changes with the record; ``If-None-Match`` gets 304.

The hot path: ``ResolverFastPath`` wraps the ASGI application and answers active identifiers
itself with one primary-key lookup on a raw database connection, before Django's request
machinery runs. Everything else (withdrawn, unknown, pending, errors, other methods) falls
through to the Django view, which uses the same ``answer`` function, so both paths agree.
Only active identifiers are public; pending and rejected ones are unknown to the resolver.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from shuxiang.core import options
from shuxiang.identifiers import names, records

log = logging.getLogger(__name__)
PREFIX = "/id/"
ACTIVE = "active"
FIXED_HEADERS = [
    ("Vary", "Accept"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
]


@dataclass
class Answer:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""


def wants_json(accept: str, query: str) -> bool:
    """JSON when asked by ``?format=json`` or an Accept header naming JSON before HTML."""
    if "format=json" in query:
        return parse_qs(query).get("format", [""])[-1] == "json"
    accept = accept.lower()
    if "json" not in accept:
        return False
    html = accept.find("text/html")
    return html < 0 or accept.find("json") < html


def cache_headers() -> list[tuple[str, str]]:
    return [("Cache-Control", f"public, max-age={options.value('PID_CACHE_SECONDS')}")]


def answer(name: str, row: tuple, *, json_wanted: bool, if_none_match: str) -> Answer:
    """The answer for the found row ``(status, target, etag, record)`` of ``name``."""
    status, target, etag, record = row
    tag = f'"{etag}{"j" if json_wanted else "r"}"'
    headers = [("ETag", tag), *cache_headers(), *FIXED_HEADERS]
    if if_none_match and (if_none_match.strip() == "*" or tag in if_none_match):
        return Answer(304, headers)
    gone = status != ACTIVE
    if json_wanted:
        headers.append(("Content-Type", "application/json; charset=utf-8"))
        headers.append(("Access-Control-Allow-Origin", "*"))
        return Answer(410 if gone else 200, headers, records.expand_bytes(name, record))
    if gone:
        return Answer(410, headers)  # the Django view adds the tombstone page
    return Answer(302, [("Location", target), *headers])


class ResolveTable:
    """Primary-key lookups on the resolve table over a raw DB-API connection of this process."""

    def __init__(self, alias: str = "default"):
        self.alias = alias
        self.raw = None
        self.sql = ""

    def _connect(self) -> None:
        from django.db import connections

        wrapper = connections.create_connection(self.alias)
        raw = wrapper.get_new_connection(wrapper.get_connection_params())
        if hasattr(raw, "autocommit"):
            raw.autocommit = True  # psycopg: every lookup sees the latest commit
        elif hasattr(raw, "isolation_level"):
            raw.isolation_level = None  # sqlite3: no implicit transactions
        if wrapper.vendor == "sqlite":  # read-only lookups over a memory-mapped file
            for pragma in ("query_only = 1", "mmap_size = 4294967296", "cache_size = -65536"):
                raw.execute("PRAGMA " + pragma)
        mark = "?" if wrapper.Database.paramstyle == "qmark" else "%s"
        self.sql = (
            "SELECT status, target, etag, record FROM identifiers_resolve WHERE name = " + mark
        )
        self.raw = raw

    async def ready(self) -> None:
        if self.raw is None:
            await asyncio.to_thread(self._connect)

    def lookup(self, name: str) -> tuple | None:
        cursor = self.raw.cursor()
        try:
            cursor.execute(self.sql, (name,))
            return cursor.fetchone()
        finally:
            cursor.close()

    def reset(self) -> None:
        raw, self.raw = self.raw, None
        if raw is not None:
            try:
                raw.close()
            except Exception:  # closing a broken connection may fail too
                log.debug("closing the resolver connection failed", exc_info=True)


def _header(scope: dict, wanted: bytes) -> str:
    for key, value in scope["headers"]:
        if key == wanted:
            return value.decode("latin-1")
    return ""


class ResolverFastPath:
    """ASGI wrapper answering ``GET|HEAD /id/<active identifier>`` before Django runs."""

    def __init__(self, app, table: ResolveTable | None = None):
        from django.conf import settings

        self.app = app
        self.table = table or ResolveTable()
        self.hosts = [] if "*" in settings.ALLOWED_HOSTS else list(settings.ALLOWED_HOSTS)
        self.static = [_bytes(pair) for pair in [*cache_headers(), *FIXED_HEADERS]]

    def _host_allowed(self, scope) -> bool:
        from django.http.request import split_domain_port, validate_host

        domain, _port = split_domain_port(_header(scope, b"host"))
        return bool(domain) and validate_host(domain, self.hosts)

    async def __call__(self, scope, receive, send):
        if (
            scope["type"] != "http"
            or not scope["path"].startswith(PREFIX)
            or scope["method"] not in ("GET", "HEAD")
        ):
            return await self.app(scope, receive, send)
        result = await self._try(scope)
        if result is None:
            return await self.app(scope, receive, send)
        status, headers, body = result
        await send({"type": "http.response.start", "status": status, "headers": headers})
        body = b"" if scope["method"] == "HEAD" else body
        await send({"type": "http.response.body", "body": body})

    async def _try(self, scope) -> tuple[int, list, bytes] | None:
        if self.hosts and not self._host_allowed(scope):
            return None  # Django answers 400 for a host it does not serve
        name = names.normalise(scope["path"][len(PREFIX) :])
        try:
            if self.table.raw is None:
                await self.table.ready()
            row = self.table.lookup(name)
        except Exception:
            log.warning("resolver fast path failed; Django answers instead", exc_info=True)
            self.table.reset()
            return None
        if row is None or row[0] != ACTIVE:
            return None  # withdrawn, unknown, pending: the Django view renders those pages
        accept = if_none_match = ""
        for key, value in scope["headers"]:
            if key == b"accept":
                accept = value.decode("latin-1")
            elif key == b"if-none-match":
                if_none_match = value.decode("latin-1")
        query = scope.get("query_string", b"")
        if not query and not if_none_match and "json" not in accept:
            # The hot case, a plain redirect: headers built straight as bytes.
            headers = [
                (b"location", row[1].encode("latin-1", "replace")),
                (b"etag", b'"' + row[2].encode() + b'r"'),
                *self.static,
                (b"content-length", b"0"),
            ]
            return 302, headers, b""
        json_wanted = wants_json(accept, query.decode("latin-1"))
        result = answer(name, row, json_wanted=json_wanted, if_none_match=if_none_match)
        headers = [_bytes(pair) for pair in result.headers]
        if result.status != 304:
            headers.append((b"content-length", str(len(result.body)).encode()))
        return result.status, headers, result.body


def _bytes(pair: tuple[str, str]) -> tuple[bytes, bytes]:
    return pair[0].lower().encode(), pair[1].encode("latin-1", "replace")
