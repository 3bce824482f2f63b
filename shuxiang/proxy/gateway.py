"""The proxy gateway as an ASGI front (代理网关): vendor sites through the library's identity.

Requests whose Host is a name under ``SHUXIANG_PROXY_DOMAIN`` (``https-www-vendor-com.<domain>``)
never reach Django: this front answers them. It checks the reader's gateway cookie (set by the
one-time ticket that ``/proxy/login?url=…`` hands out), the reader's entitlement and pauses,
then forwards the request to the vendor from the vendor library's egress address and streams
the answer back — rewritten when it is HTML, CSS, JavaScript, JSON or XML, byte for byte
otherwise (PDFs and videos are never buffered; ``Range`` passes through). Websockets pass
through after the same checks (``sockets.py``). ``shuxiang serve`` mounts it in front of the
site (embedded default); ``shuxiang proxy`` runs it alone (server mode, several processes).
"""

from __future__ import annotations

import logging
import time
from http.cookies import SimpleCookie
from urllib.parse import parse_qs, quote

from asgiref.sync import sync_to_async

from shuxiang.core import options
from shuxiang.core.errors import ServiceError
from shuxiang.core.http import base_url
from shuxiang.proxy import ports, services, sockets, usage
from shuxiang.proxy.hostnames import origin_of_proxy_host, proxy_host
from shuxiang.proxy.rewrite import (
    BodyRewriter,
    HostMap,
    rewrite_header,
    rewrite_set_cookie,
    rewrites,
)
from shuxiang.proxy.stanzas import Origin
from shuxiang.proxy.tally import PdfGauge, Recent, Tally
from shuxiang.proxy.upstream import (
    DECODABLE,
    Decoder,
    Upstream,
    UpstreamError,
    decoded_chunks,
    raw_chunks,
)

log = logging.getLogger(__name__)
COOKIE = "sxproxy"
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "host", "content-length",
}  # fmt: skip
VENDOR_CACHE_SECONDS = 30
SESSION_CACHE_SECONDS = 30
REFUSAL_CACHE_SECONDS = 5
ADMITTED = ("",)  # a cached "no refusal"
NOWHERE = Origin("http", "nowhere.invalid")  # a gateway port no vendor host has yet
WHOLE_BODY = 512 * 1024  # rewritten answers up to this Content-Length are read whole


def _header(scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return value.decode("latin-1")
    return ""


async def _answer(send, status: int, text: str, headers: list[tuple[str, str]] = ()) -> None:
    body = text.encode()
    head = [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store")]
    head += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": body})


class ProxyGateway:
    """ASGI wrapper: gateway hosts are proxied, every other request goes to ``app``."""

    def __init__(self, app=None):
        self.app = app
        self.domain = options.value("PROXY_DOMAIN").lower()
        self.scheme = options.value("PROXY_GATEWAY_SCHEME")
        self.upstream = Upstream(options.value("PROXY_TIMEOUT"))
        self.vendors: dict[tuple[str, str], tuple[float, object, HostMap | None]] = {}
        self.by_port = ports.by_port()
        self.ports = ports.port_range() if self.by_port else range(0)
        self.node_host = ports.node_host()
        self.port_origins = Recent(VENDOR_CACHE_SECONDS)
        self.sessions = Recent(SESSION_CACHE_SECONDS)
        self.refusals = Recent(REFUSAL_CACHE_SECONDS)
        self.tally = Tally()
        self.pdfs = PdfGauge(self.tally)
        self.pdf_limit = options.value("PROXY_PDF_LIMIT_PER_HOUR")

    async def __call__(self, scope, receive, send):
        origin = None
        if scope["type"] in ("http", "websocket"):
            origin = await self.origin_of(_header(scope, b"host"))
        if origin is None:
            if self.app is None:
                return await _answer(send, 404, "Not a gateway host.")
            return await self.app(scope, receive, send)
        if scope["type"] == "websocket":
            await receive()  # websocket.connect
        if origin is NOWHERE:
            text = "No licensed database is reached on this port."
            if scope["type"] == "websocket":
                return await sockets.refuse(scope, send, 404, text)
            return await _answer(send, 404, text)
        await Exchange(self, scope, receive, send, origin).run()

    async def origin_of(self, host: str) -> Origin | None:
        """The vendor origin a request's Host stands for; None when it is not the gateway's."""
        if not self.by_port:
            return origin_of_proxy_host(host, self.domain) if self.domain else None
        port = ports.request_port(host)
        if port is None or port not in self.ports:
            return None
        origin = self.port_origins.get(port)
        if origin is None:
            found = sync_to_async(ports.origin_of_port, thread_sensitive=False)
            origin = await found(port) or NOWHERE
            self.port_origins.put(port, origin)
        return origin

    def vendor_origin_of(self, netloc: str) -> Origin | None:
        """The vendor origin of a gateway ``netloc`` (a Referer's), from what is known."""
        if not self.by_port:
            return origin_of_proxy_host(netloc, self.domain)
        port = ports.request_port(netloc)
        found = self.port_origins.get(port) if port in self.ports else None
        return None if found is NOWHERE else found

    async def vendor(self, origin: Origin):
        """(definition, its host map) proxying ``origin``, kept for a few seconds."""
        key = (origin.scheme, origin.netloc)
        cached = self.vendors.get(key)
        if cached and cached[0] > time.monotonic():
            return cached[1], cached[2]
        vendor, hosts = await sync_to_async(self.vendor_and_hosts)(origin)
        self.vendors[key] = (time.monotonic() + VENDOR_CACHE_SECONDS, vendor, hosts)
        return vendor, hosts

    def vendor_and_hosts(self, origin: Origin):
        vendor = services.vendor_for(origin)
        return (vendor, self.host_map(vendor)) if vendor is not None else (None, None)

    def host_map(self, vendor) -> HostMap:
        """How ``vendor``'s origins are named through the gateway (its pattern compiled once)."""
        origins = services.origins_of(vendor)
        if self.by_port:
            node = self.node_host
            netlocs = {(o.scheme, o.netloc): f"{node}:{ports.port_of(o)}" for o in origins}
            return HostMap(
                origins,
                lambda origin: netlocs.get((origin.scheme, origin.netloc)),
                gateway_scheme=self.scheme,
            )
        return HostMap(
            origins,
            lambda origin: proxy_host(origin, self.domain),
            gateway_scheme=self.scheme,
            domains=vendor.domains,
            gateway_port=options.value("PROXY_GATEWAY_PORT"),
        )


class Exchange:
    """One request through the gateway."""

    def __init__(self, gateway: ProxyGateway, scope, receive, send, origin: Origin):
        self.gateway, self.scope, self.receive, self.send = gateway, scope, receive, send
        self.origin = origin
        self.path = scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        query = scope.get("query_string", b"").decode("latin-1")
        self.target = self.path + (f"?{query}" if query else "")
        self.user_agent = _header(scope, b"user-agent")
        self.port = ports.request_port(_header(scope, b"host")) if gateway.by_port else None

    async def run(self) -> None:
        websocket = self.scope["type"] == "websocket"
        if self.scope["path"] == services.ENTER_PATH and not websocket:
            return await self.enter()
        cookie = SimpleCookie(_header(self.scope, b"cookie"))
        key = cookie[COOKIE].value if COOKIE in cookie else ""
        user = await self.session_user(key) if key else None
        vendor_url = f"{self.origin.scheme}://{self.origin.netloc}{self.target}"
        if user is None:
            if websocket:  # a page of the vendor opens it: signing in is for that page
                return await self.refuse(403, "Sign in at the library first.")
            login = f"{base_url()}/proxy/login?url={quote(vendor_url, safe='')}"
            return await self.refuse(302, "Sign in first.", [("Location", login)])
        vendor, self.hosts = await self.gateway.vendor(self.origin)
        if vendor is None:
            return await self.refuse(404, "This host is not a licensed database here.")
        pair = (user.pk, vendor.pk)
        refusal = self.gateway.refusals.get(pair)
        if refusal is None:
            fresh = await sync_to_async(self.refusal, thread_sensitive=False)(user, vendor)
            refusal = fresh or self.gateway.refusals.get(pair) or ADMITTED  # a pause made meanwhile
            self.gateway.refusals.put(pair, refusal)
        if refusal and refusal is not ADMITTED:
            usage.record_refusal(user, vendor, refusal[0], self.target, user_agent=self.user_agent)
            return await self.refuse(refusal[0], refusal[1])
        if websocket:
            return await self.forward_websocket(user, vendor, key)
        await self.forward(user, vendor, vendor_url, key)

    async def refuse(self, status: int, text: str, headers=()) -> None:
        if self.scope["type"] == "websocket":
            return await sockets.refuse(self.scope, self.send, status, text, headers)
        await _answer(self.send, status, text, headers)

    async def forward_websocket(self, user, vendor, key: str) -> None:
        session = self.gateway.upstream.session(vendor.egress_address)
        passed = await sockets.relay(self, session, self.upstream_headers(key))
        if passed is not None:  # opened: one answer of kind "other" with the bytes passed
            self.gateway.tally.add(user.pk, vendor.pk, "other", passed)

    async def session_user(self, key: str):
        user = self.gateway.sessions.get(key)
        if user is None:
            find = sync_to_async(services.session_user, thread_sensitive=False)
            user = await find(key)
            if user is not None:
                self.gateway.sessions.put(key, user)
        return user

    def refusal(self, user, vendor) -> tuple[int, str] | None:
        try:
            services.require_entitled(user, vendor)
        except ServiceError as exc:
            return 403, exc.message
        pause = services.active_pause(user, vendor)
        return (429, pause.reason) if pause else None

    async def enter(self) -> None:
        params = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        ticket = params.get("ticket", [""])[0]
        to = params.get("to", ["/"])[0]
        if not to.startswith("/") or to.startswith("//") or "\\" in to:
            to = "/"
        key = await sync_to_async(services.enter)(ticket)
        if key is None:
            return await _answer(self.send, 403, "This link was used or has expired.")
        secure = "; Secure" if self.gateway.scheme == "https" else ""
        domain = "" if self.gateway.by_port else f"; Domain=.{self.gateway.domain}"
        cookie = f"{COOKIE}={key}{domain}; Path=/; HttpOnly; SameSite=Lax{secure}"
        await _answer(self.send, 302, "", [("Location", to), ("Set-Cookie", cookie)])

    def upstream_headers(self, key: str) -> list[tuple[str, str]]:
        out = []
        for raw_name, raw_value in self.scope["headers"]:
            name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
            if name in HOP_BY_HOP or name.startswith(("x-forwarded-", "forwarded")):
                continue
            if name == "cookie":
                value = self.vendor_cookies(value)
                if not value:
                    continue
            elif name in ("referer", "origin"):
                value = self.unproxied(value)
            elif name == "accept-encoding":
                value = ", ".join(e for e in DECODABLE if e in value) or "identity"
            out.append((name, value))
        return out

    def vendor_cookies(self, header: str) -> str:
        """The browser's cookies for the vendor: not the gateway's (nor, by port, the node's)."""
        if self.port is not None:
            return ports.incoming_cookies(header, self.port)
        return "; ".join(p for p in header.split(";") if p.strip().split("=")[0] != COOKIE).strip()

    def unproxied(self, url: str) -> str:
        """A Referer or Origin naming a gateway host names the vendor host instead."""
        try:
            scheme, rest = url.split("://", 1)
        except ValueError:
            return url
        host, _, path = rest.partition("/")
        origin = self.gateway.vendor_origin_of(host)
        if origin is None:
            return url
        return f"{origin.scheme}://{origin.netloc}" + (f"/{path}" if path else "")

    async def body(self):
        while True:
            message = await self.receive()
            chunk = message.get("body", b"")
            if chunk:
                yield chunk
            if not message.get("more_body", False):
                return

    async def forward(self, user, vendor, vendor_url: str, key: str) -> None:
        method = self.scope["method"]
        content = self.body() if method not in ("GET", "HEAD") else None
        headers = self.upstream_headers(key)
        try:
            response = await self.gateway.upstream.send(
                vendor.egress_address, method, vendor_url, headers, content
            )
        except UpstreamError as exc:
            log.warning("vendor %s unreachable: %r", vendor.title, exc)
            return await _answer(self.send, 502, f"{vendor.title} did not answer.")
        try:
            size, last = await self.relay(response, vendor)
        finally:
            response.release()
        kind = services.kind_of(response.headers.get("content-type", ""))
        event = usage.record_answer(
            user, vendor, kind, response.status, self.target,
            content_range=response.headers.get("content-range", ""), user_agent=self.user_agent,
        )  # fmt: skip
        try:  # counted before the answer ends: a client waiting for it sees a pause it caused
            await self.count(user, vendor, kind, event, size)
        finally:
            await self.send({"type": "http.response.body", "body": last})

    async def count(self, user, vendor, kind: str, event: str, size: int) -> None:
        if kind != "pdf" or event != "download":  # a Range resume or an error page: no PDF
            self.gateway.tally.add(user.pk, vendor.pk, "pdf_part" if kind == "pdf" else kind, size)
            return
        estimate = await self.gateway.pdfs.add(user.pk, vendor.pk, size)
        limit = vendor.pdf_limit_per_hour or self.gateway.pdf_limit
        if estimate <= limit:
            return
        await self.gateway.tally.flush()  # what this process counted, then the exact figure
        pause = await sync_to_async(services.pdf_breach, thread_sensitive=False)(
            user, vendor, self.target
        )
        if pause is not None:  # new or already there: this process refuses from now on
            self.gateway.refusals.put((user.pk, vendor.pk), (429, pause.reason))

    async def relay(self, response, vendor) -> tuple[int, bytes]:
        """Send the head and the body but its last part: (bytes read, the last part)."""
        hosts = self.hosts
        content_type = response.headers.get("content-type", "")
        rewriting = rewrites(content_type, vendor.mime_filters) and self.scope["method"] != "HEAD"
        headers = []
        for name, value in response.headers.items():
            lowered = name.lower()
            if lowered in HOP_BY_HOP and not (lowered == "content-length" and not rewriting):
                continue
            if rewriting and lowered == "content-encoding":
                continue
            if lowered == "set-cookie":
                value = rewrite_set_cookie(value, "")
                if self.port is not None:
                    value = ports.outgoing_cookie(value, self.port)
            else:
                value = rewrite_header(name, value, hosts)
            headers.append((lowered.encode("latin-1"), value.encode("latin-1", "replace")))
        start = {"type": "http.response.start", "status": response.status, "headers": headers}
        if rewriting and response.status not in (204, 304) and 0 <= _length(response) <= WHOLE_BODY:
            return await self.relay_whole(response, vendor, start)
        await self.send(start)
        size = 0
        if rewriting:
            rewriter = BodyRewriter(hosts, [tuple(p) for p in vendor.find_replace])
            async for chunk in decoded_chunks(response):
                out = rewriter.feed(chunk)
                size += len(chunk)
                if out:
                    await self.send({"type": "http.response.body", "body": out, "more_body": True})
            return size, rewriter.finish()
        held = b""  # the last chunk waits for the count (a client has all bytes only then)
        async for chunk in raw_chunks(response):
            size += len(chunk)
            if held:
                await self.send({"type": "http.response.body", "body": held, "more_body": True})
            held = chunk
        return size, held

    async def relay_whole(self, response, vendor, start) -> tuple[int, bytes]:
        """A small answer (its length known, at most ``WHOLE_BODY``) rewritten in one pass.

        Sent with its new ``Content-Length`` in one piece after the head: one write to the
        reader's socket instead of a head, chunks and a terminator (measured by bench/proxy.py:
        the writes, not the bytes, were most of a small page's cost)."""
        raw = await response.read()
        body = Decoder(response.headers.get("content-encoding", "")).whole(raw)
        rewriter = BodyRewriter(self.hosts, [tuple(p) for p in vendor.find_replace])
        out = rewriter.rewrite_whole(body)
        start["headers"].append((b"content-length", str(len(out)).encode()))
        await self.send(start)
        return len(body), out


def _length(response) -> int:
    """The vendor's Content-Length, -1 when it gave none (or a bad one)."""
    value = response.headers.get("content-length", "")
    return int(value) if value.isascii() and value.isdigit() else -1


def standalone() -> ProxyGateway:
    """The gateway without the site (``shuxiang proxy``): other hosts get 404."""
    import django

    django.setup()
    return ProxyGateway(None)
