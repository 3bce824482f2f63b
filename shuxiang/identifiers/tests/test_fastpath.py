"""The ASGI fast path answers active identifiers itself and agrees with the Django view."""

from __future__ import annotations

import asyncio

import pytest

from shuxiang.accounts.tests.factories import admin_of
from shuxiang.identifiers import services
from shuxiang.identifiers.tests.factories import registered


def call(app, path: str, headers: dict | None = None, query: bytes = b"", method="GET"):
    """Run one real ASGI request through ``app``; return (status, headers, body, handled_by)."""
    sent = []
    messages = [{"type": "http.request", "body": b"", "more_body": False}]

    async def receive():
        if messages:
            return messages.pop()
        await asyncio.sleep(30)  # the client stays connected until the response is sent
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "root_path": "",
        "headers": [(b"host", b"testserver")]
        + [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()],
        "client": ("127.0.0.1", 5000),
        "server": ("127.0.0.1", 8000),
    }
    asyncio.run(app(scope, receive, send))
    start = sent[0]
    head = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return start["status"], head, body


@pytest.fixture
def live_net(transactional_db):
    """The small network in a committed database (the fast path reads on its own connection)."""
    from shuxiang.network.divisions import load_divisions
    from shuxiang.network.tests.factories import small_network

    load_divisions(progress=False)
    return small_network()


@pytest.fixture
def app():
    from shuxiang.asgi import application

    resolver = application
    while not hasattr(resolver, "table"):  # other fronts (the proxy gateway) wrap it
        resolver = resolver.app
    resolver.table.reset()
    yield application
    resolver.table.reset()


def test_fast_path_redirects_without_django_and_sees_changes_at_once(app, live_net):
    identifier = registered(live_net["sx"])
    status, head, _ = call(app, f"/id/{identifier.name.upper()}")
    assert status == 302 and head["location"] == identifier.location
    assert "csrftoken" not in head.get("set-cookie", "")
    services.update_location(
        identifier.name, location="https://moved.example/", by=admin_of(live_net["sx"])
    )
    status, head, _ = call(app, f"/id/{identifier.name}")
    assert head["location"] == "https://moved.example/"


def test_fast_path_json_and_304_match_the_django_view(app, live_net, client):
    identifier = registered(live_net["sx"])
    status, head, body = call(app, f"/id/{identifier.name}", {"Accept": "application/json"})
    view = client.get(f"/id/{identifier.name}", HTTP_ACCEPT="application/json")
    assert status == 200 and body == view.content and head["etag"] == view["ETag"]
    status, _, body = call(
        app, f"/id/{identifier.name}", {"If-None-Match": head["etag"]}, b"format=json"
    )
    assert status == 304 and body == b""


def test_withdrawn_and_unknown_fall_through_to_the_django_pages(app, live_net):
    identifier = registered(live_net["sx"])
    services.withdraw(identifier.name, by=admin_of(live_net["sx"]), reason="下架")
    status, head, body = call(app, f"/id/{identifier.name}")
    assert status == 410 and "text/html" in head["content-type"]
    status, _, _ = call(app, "/id/sx.330600/unknown")
    assert status == 404


def test_head_request_has_no_body(app, live_net):
    identifier = registered(live_net["sx"])
    status, head, body = call(app, f"/id/{identifier.name}", method="HEAD")
    assert status == 302 and body == b""
