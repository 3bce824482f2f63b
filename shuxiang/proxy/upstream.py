"""The gateway's HTTP client to vendor sites (上游连接), on aiohttp.

One connection pool per egress address (the library's source address the vendor admits).
Bodies stream both ways; answers arrive as the vendor sent them (no automatic decoding), so a
PDF passes byte for byte with its ``Content-Encoding`` and ``Range`` answers, and only bodies
that must be rewritten are decoded here (gzip, deflate, brotli) — :class:`Decoder`.
bench/proxy.py measured aiohttp's client about three times faster than httpx's for the same
vendor answers, which is why it is used here.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterator

import aiohttp
import brotli
from yarl import URL

READ_CHUNK = 256 * 1024
DECODABLE = ("gzip", "deflate", "br")
UpstreamError = (aiohttp.ClientError, TimeoutError)


class Decoder:
    """Undo one ``Content-Encoding`` (gzip, deflate or br) chunk by chunk."""

    def __init__(self, encoding: str) -> None:
        encoding = encoding.strip().lower()
        self.brotli = brotli.Decompressor() if encoding == "br" else None
        if encoding == "gzip":
            self.zlib = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self.zlib = zlib.decompressobj()  # zlib-wrapped; raw deflate is tried on error
        else:
            self.zlib = None
        self.first = encoding == "deflate"

    def feed(self, chunk: bytes) -> bytes:
        if self.brotli is not None:
            return self.brotli.process(chunk)
        if self.zlib is None:
            return chunk
        if self.first:  # some servers send raw deflate despite RFC 9110
            self.first = False
            try:
                return self.zlib.decompress(chunk)
            except zlib.error:
                self.zlib = zlib.decompressobj(-zlib.MAX_WBITS)
        return self.zlib.decompress(chunk)

    def finish(self) -> bytes:
        return self.zlib.flush() if self.zlib is not None else b""

    def whole(self, body: bytes) -> bytes:
        """A whole body decoded at once."""
        return self.feed(body) + self.finish() if body else b""


class Upstream:
    """aiohttp sessions per egress address, made on first use in the running event loop."""

    def __init__(self, timeout: float) -> None:
        self.timeout = aiohttp.ClientTimeout(
            total=None, connect=timeout, sock_connect=timeout, sock_read=None
        )
        self.sessions: dict[str, aiohttp.ClientSession] = {}

    def session(self, egress: str | None) -> aiohttp.ClientSession:
        key = egress or ""
        session = self.sessions.get(key)
        if session is None or session.closed:
            connector = aiohttp.TCPConnector(
                local_addr=(egress, 0) if egress else None,
                limit=0,  # as many connections as readers need; the vendor sets its own
                ttl_dns_cache=60,
                enable_cleanup_closed=False,
            )
            session = aiohttp.ClientSession(
                connector=connector,
                timeout=self.timeout,
                auto_decompress=False,
                skip_auto_headers=("User-Agent", "Accept-Encoding", "Accept"),
                read_bufsize=READ_CHUNK,
                cookie_jar=aiohttp.DummyCookieJar(),  # cookies belong to the reader's browser
            )
            self.sessions[key] = session
        return session

    async def send(
        self,
        egress: str | None,
        method: str,
        url: str,
        headers: list[tuple[str, str]],
        body: AsyncIterator[bytes] | None,
    ) -> aiohttp.ClientResponse:
        """The vendor's answer, its body not read yet (raises one of ``UpstreamError``)."""
        return await self.session(egress).request(
            method,
            URL(url, encoded=True),  # the path and query exactly as the reader sent them
            headers=headers,
            data=body,
            allow_redirects=False,
            compress=None,
        )


#: At most this many bytes already received are joined into one write to the reader.
COALESCE = 1024 * 1024


async def raw_chunks(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    """The body as sent (still encoded), in chunks of whatever has arrived.

    What has already arrived behind a chunk is joined to it (up to ``COALESCE`` bytes, never
    waiting for more), so a fast vendor's PDF goes out in a few large writes instead of many
    small ones while a slow one still streams as it comes."""
    stream = response.content
    async for chunk in stream.iter_any():
        if len(chunk) < COALESCE and not stream.at_eof():
            more = stream.read_nowait(COALESCE - len(chunk))
            if more:
                chunk += more
        yield chunk


async def decoded_chunks(response: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    """The body with its ``Content-Encoding`` undone."""
    decoder = Decoder(response.headers.get("content-encoding", ""))
    async for chunk in response.content.iter_any():
        out = decoder.feed(chunk)
        if out:
            yield out
    tail = decoder.finish()
    if tail:
        yield tail
