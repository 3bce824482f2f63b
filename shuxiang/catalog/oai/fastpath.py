"""The ASGI fast path of ``/oai``: anonymous harvests are answered before Django's middleware.

A harvest is hundreds of requests in a row; the middleware stack (sessions, locale, CSRF,
messages, sites…) costs more than building a page. Anonymous ``GET /oai`` is answered here
with the same provider, the same visibility (what anonymous search shows), the same headers
and the same request metrics; anything else — a bearer token, a session cookie, POST, a host
Django would refuse, an SSL redirect — goes to the Django view unchanged.

Registered in settings ``ASGI_FAST_PATHS`` (see ``shuxiang.asgi``).
"""

from __future__ import annotations

import io
import logging
import time

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import DisallowedHost
from django.core.handlers.asgi import ASGIRequest
from django.db import close_old_connections, connection

from shuxiang.catalog.oai.provider import Provider
from shuxiang.catalog.search import service
from shuxiang.core.metrics import LATENCY, REQUESTS
from shuxiang.core.middleware import CSP

log = logging.getLogger(__name__)
PATH = "/oai"
ROUTE = "oai"


def response_headers() -> list[tuple[bytes, bytes]]:
    """What the Django stack adds to the view's answer for an anonymous request."""
    pairs = [("Content-Type", "text/xml; charset=utf-8")]
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        pairs.append(("X-Content-Type-Options", "nosniff"))
    if settings.SECURE_REFERRER_POLICY:
        pairs.append(("Referrer-Policy", settings.SECURE_REFERRER_POLICY))
    if settings.SECURE_CROSS_ORIGIN_OPENER_POLICY:
        pairs.append(("Cross-Origin-Opener-Policy", settings.SECURE_CROSS_ORIGIN_OPENER_POLICY))
    pairs += [
        ("Vary", "Authorization, Cookie, Accept-Language"),
        ("Content-Language", settings.LANGUAGE_CODE),
        ("X-Frame-Options", settings.X_FRAME_OPTIONS),
        ("Content-Security-Policy", CSP),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ]
    return [(k.lower().encode(), v.encode("latin-1")) for k, v in pairs]


def hsts() -> str:
    """Strict-Transport-Security as Django's SecurityMiddleware writes it."""
    value = f"max-age={settings.SECURE_HSTS_SECONDS}"
    if settings.SECURE_HSTS_INCLUDE_SUBDOMAINS:
        value += "; includeSubDomains"
    if settings.SECURE_HSTS_PRELOAD:
        value += "; preload"
    return value


class OaiFastPath:
    """ASGI wrapper answering anonymous ``GET|HEAD /oai`` without the middleware stack."""

    def __init__(self, app):
        self.app = app
        self.headers = response_headers()

    async def __call__(self, scope, receive, send):
        if not self._mine(scope):
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        request = ASGIRequest(scope, io.BytesIO())
        secure = request.is_secure()
        if settings.SECURE_SSL_REDIRECT and not secure:
            return await self.app(scope, receive, send)  # Django redirects to https
        try:
            base_url = request.build_absolute_uri(PATH)
        except DisallowedHost:
            return await self.app(scope, receive, send)  # Django answers 400 and logs it
        params = {key: request.GET.getlist(key) for key in request.GET}
        body = await sync_to_async(answer, thread_sensitive=False)(base_url, params)
        headers = [*self.headers, (b"content-length", str(len(body)).encode())]
        if secure and settings.SECURE_HSTS_SECONDS:
            headers.append((b"strict-transport-security", hsts().encode()))
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        body = b"" if scope["method"] == "HEAD" else body
        await send({"type": "http.response.body", "body": body})
        LATENCY.labels(ROUTE).observe(time.perf_counter() - started)
        REQUESTS.labels(scope["method"], ROUTE, "200").inc()

    def _mine(self, scope) -> bool:
        """Anonymous GET/HEAD of /oai (a bearer token or a session goes to the view)."""
        if scope["type"] != "http" or scope["path"] != PATH:
            return False
        if scope["method"] not in ("GET", "HEAD"):
            return False
        session_cookie = settings.SESSION_COOKIE_NAME.encode()
        for key, value in scope["headers"]:
            if key == b"authorization" or (key == b"cookie" and session_cookie in value):
                return False  # the view works out who is asking
        return True


def answer(base_url: str, params: dict[str, list[str]]) -> bytes:
    """The provider's answer for an anonymous requester, on a request's worth of connection."""
    if not _kept():
        close_old_connections()
    try:
        visibility = service.visibility_for(AnonymousUser())
        return Provider(base_url, visibility=visibility).respond(params)
    finally:
        if not _kept():
            close_old_connections()


def _kept() -> bool:
    """Embedded SQLite keeps a healthy connection open on its worker thread between pages
    (opening one costs more than a page's query); a pooled server connection goes back to
    the pool after every request, as Django's request end does."""
    return (
        connection.vendor == "sqlite"
        and connection.connection is not None
        and not connection.errors_occurred
        and not connection.in_atomic_block
    )
