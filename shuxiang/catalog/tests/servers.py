"""Loopback HTTP servers for harvester tests: any WSGI app in a thread on 127.0.0.1."""

from __future__ import annotations

import contextlib
import socketserver
import threading
from collections.abc import Callable, Iterator
from http import HTTPStatus
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args) -> None:
        pass


class _Threaded(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True


@contextlib.contextmanager
def serve(app: Callable) -> Iterator[str]:
    """Run ``app`` on a free loopback port; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, server_class=_Threaded, handler_class=_Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/oai"
    finally:
        server.shutdown()
        server.server_close()


def params_of(environ) -> dict[str, str]:
    """Single-valued request arguments (query string or form body)."""
    query = environ.get("QUERY_STRING", "")
    if environ.get("REQUEST_METHOD") == "POST":
        length = int(environ.get("CONTENT_LENGTH") or 0)
        query = environ["wsgi.input"].read(length).decode()
    return {k: v[0] for k, v in parse_qs(query).items()}


def xml_app(responder: Callable[[dict], tuple[int, bytes]], log: list | None = None) -> Callable:
    """A WSGI app answering each request with ``responder(params)`` → (status, body)."""

    def app(environ, start_response):
        params = params_of(environ)
        if log is not None:
            log.append(params)
        status, body = responder(params)
        reason = {200: "OK", 500: "Internal Server Error", 503: "Service Unavailable"}[status]
        start_response(f"{status} {reason}", [("Content-Type", "text/xml"), ("Retry-After", "0")])
        return [body]

    return app


def replay_app(
    responder: Callable[[dict], tuple[int, list[tuple[str, str]], bytes]], log: list | None = None
) -> Callable:
    """A WSGI app answering ``responder(params)`` → (status, headers, body) verbatim."""

    def app(environ, start_response):
        params = params_of(environ)
        if log is not None:
            log.append(params)
        status, headers, body = responder(params)
        start_response(f"{status} {HTTPStatus(status).phrase}", list(headers))
        return [body]

    return app
