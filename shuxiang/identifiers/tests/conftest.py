"""Fixtures for identifier tests: the small network, staff, and a real local HTTP server."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shuxiang.network.tests.factories import small_network


@pytest.fixture
def net(db):
    return small_network()


class _Handler(BaseHTTPRequestHandler):
    """Answers 200 under /ok/, 404 elsewhere, and 405 to HEAD under /nohead/."""

    def do_HEAD(self):
        if self.path.startswith("/nohead/"):
            self.send_response(405)
        else:
            self.send_response(200 if self.path.startswith(("/ok/",)) else 404)
        self.end_headers()

    def do_GET(self):
        ok = self.path.startswith(("/ok/", "/nohead/"))
        self.send_response(200 if ok else 404)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"served" if ok else b"missing")

    def log_message(self, *args):
        pass


@pytest.fixture
def served():
    """Base URL of a real HTTP server on loopback, stopped after the test."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
