"""Websockets through the gateway (网关转发 WebSocket).

A websocket to a gateway host goes through the same checks as a page: the reader's gateway
cookie, the entitlement and pauses. Refused handshakes are answered as HTTP (the ASGI
``websocket.http.response`` extension: 302 to the sign-in page, 403 with the reason, 429 for a
paused reader; a plain close 1008, which clients see as 403, where a server lacks it). An
admitted one is opened to the vendor from the library's egress address with the request's
path and query, its ``Origin`` naming the vendor again (and ``Host`` the vendor's host), only
the vendor's own cookies and the reader's subprotocols; then frames pass both ways unchanged
(text stays text, binary stays binary) until either side closes, whose close code the other
side gets. Each websocket counts once in the reader's hourly usage (kind ``other``, its bytes).
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp

log = logging.getLogger(__name__)
HANDSHAKE = {"sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions",
             "sec-websocket-protocol"}  # fmt: skip
REASON_BYTES = 123  # the longest close reason a frame holds


async def refuse(scope, send, status: int, text: str, headers=()) -> None:
    """Turn a websocket handshake down as HTTP ``status`` (a close 1008 without the extension)."""
    if "websocket.http.response" not in scope.get("extensions", {}):
        reason = text.encode()[:REASON_BYTES].decode("utf-8", "ignore")
        return await send({"type": "websocket.close", "code": 1008, "reason": reason})
    head = [(b"content-type", b"text/plain; charset=utf-8"), (b"cache-control", b"no-store")]
    head += [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]
    await send({"type": "websocket.http.response.start", "status": status, "headers": head})
    await send({"type": "websocket.http.response.body", "body": text.encode()})


def vendor_url(origin, target: str) -> str:
    return f"{'wss' if origin.scheme == 'https' else 'ws'}://{origin.netloc}{target}"


async def relay(
    exchange, session: aiohttp.ClientSession, headers: list[tuple[str, str]]
) -> int | None:
    """Open the vendor's websocket and pass frames both ways: the bytes passed (None: refused)."""
    scope, receive, send = exchange.scope, exchange.receive, exchange.send
    upstream = [(n, v) for n, v in headers if n not in HANDSHAKE]
    try:
        vendor = await session.ws_connect(
            vendor_url(exchange.origin, exchange.target),
            headers=upstream,
            protocols=tuple(scope.get("subprotocols", ())),
            autoclose=True,
            autoping=True,
            max_msg_size=0,
        )
    except aiohttp.WSServerHandshakeError as exc:
        await refuse(scope, send, 502, f"The vendor refused the websocket ({exc.status}).")
        return None
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("vendor websocket %s unreachable: %r", exchange.target, exc)
        await refuse(scope, send, 502, "The vendor did not answer.")
        return None
    await send({"type": "websocket.accept", "subprotocol": vendor.protocol})
    passed = [0]
    to_vendor = asyncio.ensure_future(_reader_to_vendor(receive, vendor, passed))
    to_reader = asyncio.ensure_future(_vendor_to_reader(vendor, send, passed))
    try:
        await asyncio.wait({to_vendor, to_reader}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (to_vendor, to_reader):
            task.cancel()
        await asyncio.gather(to_vendor, to_reader, return_exceptions=True)
        await vendor.close()
    return passed[0]


async def _reader_to_vendor(receive, vendor, passed: list[int]) -> None:
    while True:
        message = await receive()
        if message["type"] == "websocket.disconnect":
            await vendor.close(code=_sendable(message.get("code", 1000)))
            return
        if message["type"] != "websocket.receive":
            continue
        if message.get("text") is not None:
            passed[0] += len(message["text"])
            await vendor.send_str(message["text"])
        else:
            passed[0] += len(message.get("bytes") or b"")
            await vendor.send_bytes(message.get("bytes") or b"")


async def _vendor_to_reader(vendor, send, passed: list[int]) -> None:
    async for message in vendor:
        if message.type == aiohttp.WSMsgType.TEXT:
            passed[0] += len(message.data)
            await send({"type": "websocket.send", "text": message.data})
        elif message.type == aiohttp.WSMsgType.BINARY:
            passed[0] += len(message.data)
            await send({"type": "websocket.send", "bytes": message.data})
        elif message.type == aiohttp.WSMsgType.ERROR:
            break
    await send({"type": "websocket.close", "code": _sendable(vendor.close_code or 1000)})


def _sendable(code: int) -> int:
    """A close code one may put in a close frame (1005/1006/1015 only report what happened)."""
    if code == 1005:  # closed without a code
        return 1000
    return 1011 if code in (1006, 1015) or code < 1000 else code
