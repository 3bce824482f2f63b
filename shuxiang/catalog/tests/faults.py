"""A fault-injecting OAI-PMH repository for harvester tests (a WSGI app served on loopback).

It serves ``count`` oai_dc records, ``page_size`` a page, with resumption tokens ``p<n>``.
Faults are injected per page: ``once[page] = kind`` breaks the next answer for that page,
``always[page] = kind`` breaks every answer until removed. Kinds:

``truncate`` (HTTP 200, body cut mid-record), ``drop`` (the connection closes mid-body),
``invalid`` (bytes valid in no encoding inside a title), ``500`` (HTML error page),
``503`` (Retry-After: ``retry_after``), ``html`` (HTTP 200 login page).
"""

from __future__ import annotations

import threading
import time
from urllib.parse import parse_qs

HTML = b"<!DOCTYPE html><html><head><title>Login</title></head><body>Sign in</body></html>"
RESPONSE_DATE = "2026-03-01T08:00:00Z"


def dc_record(n: int) -> str:
    return (
        f"<record><header><identifier>oai:faulty.example.org:{n}</identifier>"
        f"<datestamp>2026-02-{1 + n % 28:02d}</datestamp></header><metadata>"
        '<oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<dc:title>地方志第{n}卷</dc:title><dc:creator>编者{n}</dc:creator>"
        f"<dc:date>{1900 + n % 100}</dc:date></oai_dc:dc></metadata></record>"
    )


def oai_page(records: str, token: str | None, response_date: str = RESPONSE_DATE) -> bytes:
    tail = "" if token is None else f"<resumptionToken>{token}</resumptionToken>"
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
        f"<responseDate>{response_date}</responseDate>"
        '<request verb="ListRecords">http://faulty.example.org/oai</request>'
        f"<ListRecords>{records}{tail}</ListRecords></OAI-PMH>"
    ).encode()


class FaultyRepository:
    """The WSGI app; ``log`` holds (time, page, params) of every request."""

    def __init__(self, count: int = 100, page_size: int = 10, retry_after: str = "1"):
        self.count, self.page_size, self.retry_after = count, page_size, retry_after
        self.once: dict[int, str] = {}
        self.always: dict[int, str] = {}
        self.log: list[tuple[float, int, dict]] = []
        self.on_request = None  # called with the page number, before answering
        self.lock = threading.Lock()

    @property
    def pages(self) -> int:
        return -(-self.count // self.page_size)

    def body(self, page: int) -> bytes:
        first = page * self.page_size
        records = "".join(
            dc_record(n) for n in range(first, min(first + self.page_size, self.count))
        )
        token = f"p{page + 1}" if page + 1 < self.pages else ""
        return oai_page(records, token)

    def page_of(self, params: dict) -> int:
        token = params.get("resumptionToken", "")
        return int(token[1:]) if token.startswith("p") else 0

    def __call__(self, environ, start_response):
        params = {k: v[0] for k, v in parse_qs(environ.get("QUERY_STRING", "")).items()}
        page = self.page_of(params)
        with self.lock:
            self.log.append((time.monotonic(), page, params))
            kind = self.once.pop(page, None) or self.always.get(page)
        if self.on_request is not None:
            self.on_request(page)
        return self.answer(kind, self.body(page), start_response)

    def answer(self, kind: str | None, body: bytes, start_response):
        xml = [("Content-Type", "text/xml; charset=utf-8")]
        if kind == "truncate":
            cut = body.index(b"<dc:title>", len(body) // 2) + 14
            start_response("200 OK", [*xml, ("Content-Length", str(cut))])
            return [body[:cut]]
        if kind == "drop":
            start_response("200 OK", [*xml, ("Content-Length", str(len(body)))])
            return [body[: len(body) // 2]]
        if kind == "invalid":
            body = body.replace("地方志".encode(), b"\xff\xfe\xff", 1)
        if kind == "500":
            start_response("500 Internal Server Error", [("Content-Type", "text/html")])
            return [b"<html><body><h1>500 Internal Server Error</h1></body></html>"]
        if kind == "503":
            start_response("503 Service Unavailable", [("Retry-After", self.retry_after)])
            return [b""]
        if kind == "html":
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
            return [HTML]
        start_response("200 OK", [*xml, ("Content-Length", str(len(body)))])
        return [body]

    def requests_for(self, page: int) -> list[float]:
        return [when for when, number, _params in self.log if number == page]
