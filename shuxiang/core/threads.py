"""Django behind the ASGI fronts on a fixed pool of threads, one hop per request.

Django's own ASGI handler runs each request's synchronous middleware and view on a thread made
for that request, and hops between the event loop and threads several times per request
(signals, middleware, view, closing). Under load every open connection becomes a runnable
thread: at 32 connections a worker switches between 16 threads holding one GIL, and at 200
connections requests time out while each gets a sliver of the processor.

:class:`DjangoThreads` instead hands each request, whole, to Django's synchronous handler on one
of ``SHUXIANG_DJANGO_THREADS`` long-lived threads (the same middleware and views, as a WSGI
server would run them). Requests beyond that wait in order (first come, first served) on the
event loop, which costs no thread, and a request whose client left while it waited is dropped
without running Django; beyond ``SHUXIANG_DJANGO_QUEUE`` waiting requests the answer is an
immediate 503 with ``Retry-After`` instead of a timeout. Request bodies are read before
Django runs (as Django's ASGI handler does); streamed answers are passed on chunk by chunk, each
chunk read on a pool thread, and stop when the client goes away.

The page cache's ticket travels in the WSGI environ (``asgi.scope``), as ``request.scope``.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler, WSGIRequest

from shuxiang.core import options

SPECIAL = {b"content-type": "CONTENT_TYPE", b"content-length": "CONTENT_LENGTH"}
BUSY_BODY = b"The server is busy; please try again in a moment.\n"


class ScopedRequest(WSGIRequest):
    """A WSGI request that also carries the ASGI scope it came from (``request.scope``)."""

    def __init__(self, environ):
        super().__init__(environ)
        self.scope = environ.get("asgi.scope", {})


class ThreadedHandler(WSGIHandler):
    request_class = ScopedRequest


class DjangoThreads:
    """ASGI application: Django's synchronous handler on a bounded pool of threads."""

    def __init__(self, threads: int | None = None, queue: int | None = None):
        self.threads = threads or options.value("DJANGO_THREADS")
        self.queue = options.value("DJANGO_QUEUE") if queue is None else queue
        self.handler = ThreadedHandler()
        self.pool = ThreadPoolExecutor(self.threads, thread_name_prefix="django")
        self.admitted = 0  # requests admitted and not finished (running or waiting)
        self.running = 0  # requests holding one of the threads
        self.waiting: deque[asyncio.Future] = deque()  # the others, first come first served

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            raise ValueError(f"Shuxiang serves HTTP, not {scope['type']}")
        body = await _read_body(receive)
        if body is None:
            return  # the client left before sending its whole request
        if self.admitted >= self.threads + self.queue:
            body.close()
            return await _busy(send)
        self.admitted += 1
        gone = asyncio.Event()
        watcher = asyncio.create_task(_watch(receive, gone))
        try:
            await self._serve(scope, body, gone, send)
        finally:
            watcher.cancel()
            self.admitted -= 1
            body.close()

    async def _serve(self, scope, body, gone: asyncio.Event, send) -> None:
        loop = asyncio.get_running_loop()
        await self._turn(loop)
        try:
            if gone.is_set():
                return  # the client gave up while waiting: Django never runs for nobody
            environ = wsgi_environ(scope, body)
            status, headers, chunks, response = await loop.run_in_executor(
                self.pool, self._respond, environ
            )
        finally:
            self._release()
        await send({"type": "http.response.start", "status": status, "headers": headers})
        if chunks is not None:
            await send({"type": "http.response.body", "body": chunks})
            return
        await self._stream(loop, response, gone, send)

    async def _turn(self, loop) -> None:
        """Wait until one of the threads is this request's (in order of arrival)."""
        if self.running < self.threads and not self.waiting:
            self.running += 1
            return
        turn = loop.create_future()
        self.waiting.append(turn)
        try:
            await turn
        except asyncio.CancelledError:
            if turn.done() and not turn.cancelled():
                self._release()  # handed over just as this request was cancelled: pass it on
            raise

    def _release(self) -> None:
        """Hand this request's thread to the next waiting request, or free it."""
        while self.waiting:
            turn = self.waiting.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self.running -= 1

    def _respond(self, environ):
        """On a pool thread: Django's answer; a whole body is read and the response closed
        here (closing sends ``request_finished``, which returns database connections)."""
        started = {}

        def start_response(status, headers, exc_info=None):
            started["status"] = int(status.split(" ", 1)[0])
            started["headers"] = [
                (name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in headers
            ]

        response = self.handler(environ, start_response)
        if getattr(response, "streaming", False):
            return started["status"], started["headers"], None, response
        try:
            body = b"".join(response)
        finally:
            response.close()
        return started["status"], started["headers"], body, None

    async def _stream(self, loop, response, gone: asyncio.Event, send) -> None:
        chunks = iter(response)
        try:
            while not gone.is_set():
                chunk = await loop.run_in_executor(self.pool, next, chunks, None)
                if chunk is None:
                    break
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            if not gone.is_set():
                await send({"type": "http.response.body", "body": b""})
        finally:
            await loop.run_in_executor(self.pool, response.close)


async def _watch(receive, gone: asyncio.Event) -> None:
    """Set ``gone`` when the client disconnects (the only message left after the body)."""
    while (await receive())["type"] != "http.disconnect":
        pass
    gone.set()


async def _read_body(receive):
    """The request body in a spooled file (memory, then disk), or None if the client left."""
    body = tempfile.SpooledTemporaryFile(max_size=settings.FILE_UPLOAD_MAX_MEMORY_SIZE)  # noqa: SIM115 (closed by the caller)
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            body.close()
            return None
        body.write(message.get("body", b""))
        if not message.get("more_body"):
            break
    body.seek(0)
    return body


async def _busy(send) -> None:
    headers = [
        (b"content-type", b"text/plain; charset=utf-8"),
        (b"retry-after", b"1"),
        (b"content-length", str(len(BUSY_BODY)).encode()),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": BUSY_BODY})


def _latin1(text: str) -> str:
    """A str as WSGI carries it: its UTF-8 bytes, one character per byte."""
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


def wsgi_environ(scope, body) -> dict:
    """The WSGI environ of an ASGI HTTP request whose body was read into ``body``."""
    root = scope.get("root_path", "")
    raw = scope.get("raw_path")
    if raw:
        path = unquote_to_bytes(raw.split(b"?", 1)[0]).decode("latin-1")
        path = path[len(_latin1(root)) :] if root and path.startswith(_latin1(root)) else path
    else:
        path = _latin1(scope["path"].removeprefix(root) if root else scope["path"])
    server = scope.get("server") or ("localhost", 80)
    client = scope.get("client") or ("", 0)
    body.seek(0, 2)
    size = body.tell()
    body.seek(0)
    environ = {
        "REQUEST_METHOD": scope["method"],
        "SCRIPT_NAME": _latin1(root),
        "PATH_INFO": path,
        "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
        "SERVER_NAME": str(server[0]),
        "SERVER_PORT": str(server[1] if server[1] is not None else 80),
        "SERVER_PROTOCOL": f"HTTP/{scope.get('http_version', '1.1')}",
        "REMOTE_ADDR": client[0],
        "REMOTE_PORT": str(client[1]),
        "CONTENT_LENGTH": str(size),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scope.get("scheme", "http"),
        "wsgi.input": body,
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "asgi.scope": scope,
    }
    for name, value in scope.get("headers", ()):
        if b"_" in name:  # never let "X_Forwarded_For" pass as X-Forwarded-For
            continue
        key = SPECIAL.get(name) or "HTTP_" + name.decode("latin-1").upper().replace("-", "_")
        text = value.decode("latin-1")
        if key == "CONTENT_LENGTH":
            continue  # the length read is the one Django gets
        if key in environ:
            text = environ[key] + ("; " if key == "HTTP_COOKIE" else ",") + text
        environ[key] = text
    return environ
