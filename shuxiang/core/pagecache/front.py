"""The ASGI front of the page cache: public pages for readers without a session, before Django.

A ``GET``/``HEAD`` request carrying no cookie but the language and CSRF cookies and no
``Authorization`` header is looked up by scheme, host, path, query and the language Django's
``LocaleMiddleware`` would choose for it (cookie, then ``Accept-Language``). A fresh entry (its
generation is the store's current one and its lifetime has not passed) is answered at once, with
``ETag``/``Last-Modified`` and 304 for a matching revalidation. Otherwise Django answers; when
:class:`~shuxiang.core.pagecache.middleware.PageCacheMiddleware` finds the answer public (a
:func:`~shuxiang.core.pagecache.public_page` view, anonymous reader, status 200, no CSRF token
used) and it sets no cookie, it is stored under the generation read *before* Django ran, so a
change committed meanwhile makes it stale at once. Entries also live in a small per-process
memory, checked against the shared generation on every request. Usage events the page recorded
(page view, search, item view) are recorded again for every answer from the cache.
"""

from __future__ import annotations

import hashlib
import logging
import pickle
import time
from collections import OrderedDict
from dataclasses import dataclass
from functools import cached_property, lru_cache
from types import SimpleNamespace

from django.conf import settings
from django.http.cookie import parse_cookie
from django.utils.http import http_date, parse_http_date_safe
from django.utils.translation import get_language_from_request

from shuxiang.core import options
from shuxiang.core.pagecache.stores import PageStore, get_store

log = logging.getLogger(__name__)
SCOPE_KEY = "shuxiang.page_cache"
NOT_CACHED = (
    "/static/", "/media/", "/api/", "/id/", "/accounts/", "/me/", "/curate/", "/i18n/",
    "/healthz", "/readyz", "/metrics", "/sushi/", "/oai", "/stats/", "/network/",
    "/identifiers/", "/resources/manage", "/resources/uploads", "/sw.js",
)  # fmt: skip
VARY = (b"vary", b"Accept, Accept-Language, Cookie")
HTML_RANGES = ("text/html", "application/xhtml+xml", "text/*", "*/*")
CACHE_CONTROL = (b"cache-control", b"public, max-age=0, must-revalidate")
REPLACED = {b"content-length", b"vary", b"cache-control", b"etag", b"last-modified", b"x-cache"}
LOCAL_ENTRIES = 2048


@dataclass
class Entry:
    generation: int
    expires: float
    stored: int  # seconds since the epoch (Last-Modified)
    headers: list[tuple[bytes, bytes]]  # without content-length
    body: bytes
    etag: bytes
    html: bool
    events: list[tuple[str, ...]]  # kind, library, resource type, item id[, title]

    def validators(self) -> list[tuple[bytes, bytes]]:
        stored = http_date(self.stored).encode()
        return [(b"etag", self.etag), (b"last-modified", stored), CACHE_CONTROL, VARY]

    def answer_headers(self, state: bytes) -> list[tuple[bytes, bytes]]:
        length = (b"content-length", str(len(self.body)).encode())
        return [*self.headers, *self.validators(), (b"x-cache", state), length]

    @cached_property
    def hit_headers(self) -> list[tuple[bytes, bytes]]:
        return self.answer_headers(b"hit")


@lru_cache(maxsize=1024)
def prefers_html(accept: str) -> bool:
    """True when ``accept`` ranks HTML at least as high as every other type it names: a client
    asking for another representation of the same URL (RDF by content negotiation) passes by."""
    if not accept.strip():
        return True
    best_html = best_other = 0.0
    for part in accept.split(",")[:64]:
        media, *parameters = (piece.strip().lower() for piece in part.split(";"))
        quality = 1.0
        for parameter in parameters:
            name, _, raw = parameter.partition("=")
            if name.strip() == "q":
                raw = raw.strip()
                quality = float(raw) if raw.isascii() and raw.replace(".", "", 1).isdigit() else 0.0
        if media in HTML_RANGES:
            best_html = max(best_html, quality)
        else:
            best_other = max(best_other, quality)
    return best_html > 0 and best_html >= best_other


@lru_cache(maxsize=1024)
def language_for(cookie: str, accept: str) -> str:
    """The language ``LocaleMiddleware`` activates for this cookie and Accept-Language."""
    fake = SimpleNamespace(
        COOKIES={settings.LANGUAGE_COOKIE_NAME: cookie} if cookie else {},
        META={"HTTP_ACCEPT_LANGUAGE": accept},
    )
    return get_language_from_request(fake)


class PageCacheFront:
    """ASGI wrapper answering public pages for readers without a session from the store."""

    def __init__(self, app, store: PageStore | None = None):
        self.app = app
        self._store = store
        self.local: OrderedDict[str, Entry] = OrderedDict()
        self.allowed_cookies = {settings.LANGUAGE_COOKIE_NAME, settings.CSRF_COOKIE_NAME}
        self._recorder = None

    @property
    def store(self) -> PageStore:
        if self._store is None:
            self._store = get_store()
        return self._store

    async def __call__(self, scope, receive, send):
        if (
            scope["type"] != "http"
            or scope["method"] not in ("GET", "HEAD")
            or scope["path"].startswith(NOT_CACHED)
        ):
            return await self.app(scope, receive, send)
        request = self._cacheable_request(scope)
        if request is None:
            return await self.app(scope, receive, send)
        key, lang, conditions = request
        try:
            generation = self.store.generation()
            entry = self._fresh(key, generation)
        except Exception:
            log.warning("page cache unavailable; Django answers", exc_info=True)
            return await self.app(scope, receive, send)
        if entry is not None:
            return await self._answer(scope, send, entry, conditions, b"hit")
        ticket = {"lang": lang, "generation": generation}
        scope = {**scope, SCOPE_KEY: ticket}
        await self.app(scope, receive, _Capture(self, scope, send, key, conditions))

    def _cacheable_request(self, scope) -> tuple[str, str, tuple[str, str]] | None:
        """(key, language, (If-None-Match, If-Modified-Since)), or None for a reader with a
        session or other per-client state."""
        host = cookie = accept = proto = none_match = modified_since = media = ""
        for name, value in scope["headers"]:
            if name == b"host":
                host = value.decode("latin-1").lower()
            elif name == b"cookie":
                cookie = value.decode("latin-1")
            elif name == b"accept":
                media = value.decode("latin-1")
            elif name == b"accept-language":
                accept = value.decode("latin-1")
            elif name == b"authorization":
                return None
            elif name == b"x-forwarded-proto":
                proto = value.decode("latin-1")
            elif name == b"if-none-match":
                none_match = value.decode("latin-1")
            elif name == b"if-modified-since":
                modified_since = value.decode("latin-1")
        if not prefers_html(media):
            return None
        cookies = parse_cookie(cookie) if cookie else {}
        if any(name not in self.allowed_cookies for name in cookies):
            return None
        lang = language_for(cookies.get(settings.LANGUAGE_COOKIE_NAME, ""), accept)
        query = scope.get("query_string", b"").decode("latin-1")
        raw = "\x1f".join((scope["scheme"], proto, host, scope["path"], query, lang))
        key = hashlib.blake2b(raw.encode("utf-8", "surrogateescape"), digest_size=20).hexdigest()
        return key, lang, (none_match, modified_since)

    def _fresh(self, key: str, generation: int) -> Entry | None:
        now = time.time()
        entry = self.local.get(key)
        if entry is not None and entry.generation == generation and entry.expires > now:
            return entry
        raw = self.store.get(key)
        entry = pickle.loads(raw) if raw else None
        if entry is None or entry.generation != generation or entry.expires <= now:
            self.local.pop(key, None)
            return None
        self._remember(key, entry)
        return entry

    def _remember(self, key: str, entry: Entry) -> None:
        self.local[key] = entry
        if len(self.local) > LOCAL_ENTRIES:
            self.local.popitem(last=False)

    def keep(self, key: str, entry: Entry) -> None:
        """Store a page Django rendered (errors are logged: the page was answered anyway)."""
        try:
            seconds = max(int(entry.expires - time.time()), 1)
            self.store.put(key, pickle.dumps(entry, protocol=pickle.HIGHEST_PROTOCOL), seconds)
            self._remember(key, entry)
        except Exception:
            log.warning("could not store a page in the page cache", exc_info=True)

    async def _answer(self, scope, send, entry: Entry, conditions, state: bytes) -> None:
        none_match, modified_since = conditions
        if (none_match or modified_since) and _not_modified(entry, none_match, modified_since):
            validators = [*entry.validators(), (b"x-cache", state)]
            await send({"type": "http.response.start", "status": 304, "headers": validators})
            await send({"type": "http.response.body", "body": b""})
            return
        headers = entry.hit_headers if state == b"hit" else entry.answer_headers(state)
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        body = b"" if scope["method"] == "HEAD" else entry.body
        await send({"type": "http.response.body", "body": body})
        if scope["method"] == "GET" and state == b"hit":
            self.replay(scope, entry)

    def replay(self, scope, entry: Entry) -> None:
        """Record the usage the page recorded when Django rendered it, for this reader."""
        if self._recorder is None:
            self._recorder = _recorder()
        if self._recorder:
            self._recorder(scope, entry)


def _not_modified(entry: Entry, none_match: str, modified_since: str) -> bool:
    if none_match:
        return none_match.strip() == "*" or entry.etag.decode() in none_match
    if modified_since:
        since = parse_http_date_safe(modified_since)
        return since is not None and since >= entry.stored
    return False


class _Capture:
    """The ``send`` given to Django on a miss: holds a public page back to store it first."""

    def __init__(self, front: PageCacheFront, scope, send, key: str, conditions):
        self.front, self.scope, self.send, self.key = front, scope, send, key
        self.conditions = conditions
        self.start = None
        self.chunks: list[bytes] = []

    async def __call__(self, message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            ticket = self.scope[SCOPE_KEY]
            if ticket.get("store") and message["status"] == 200 and self.scope["method"] == "GET":
                self.start = message
                return
        elif kind == "http.response.body" and self.start is not None:
            self.chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                await self._finish()
            return
        await self.send(message)

    async def _finish(self) -> None:
        body = b"".join(self.chunks)
        headers = self.start["headers"]
        if any(name.lower() == b"set-cookie" for name, _value in headers):
            await self.send(self.start)  # per-client state: answered, never stored
            await self.send({"type": "http.response.body", "body": body})
            return
        ticket = self.scope[SCOPE_KEY]
        kept = [(name, value) for name, value in headers if name.lower() not in REPLACED]
        content_type = next((v for n, v in headers if n.lower() == b"content-type"), b"")
        now = time.time()
        entry = Entry(
            generation=ticket["generation"],
            expires=now + options.value("PAGE_CACHE_SECONDS"),
            stored=int(now),
            headers=kept,
            body=body,
            etag=b'"' + hashlib.blake2b(body, digest_size=12).hexdigest().encode() + b'"',
            html=content_type.startswith(b"text/html"),
            events=ticket.get("events", []),
        )
        self.front.keep(self.key, entry)
        await self.front._answer(self.scope, self.send, entry, self.conditions, b"miss")


def _recorder():
    """The function that records a cached page's usage again (``settings.PAGE_CACHE_REPLAY``,
    called with the ASGI scope and the entry), or False when none is configured; core names
    no app, so the statistics app provides it."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    path = getattr(settings, "PAGE_CACHE_REPLAY", "")
    return import_string(path) if path else False
