"""Django on a fixed pool of threads behind the ASGI fronts (``shuxiang.core.threads``).

Real ASGI requests through the real application (fronts, the thread pool, Django's middleware
and views) against a committed database.
"""

from __future__ import annotations

import asyncio
import io

import pytest
from django.conf import settings

from shuxiang.core.threads import DjangoThreads, wsgi_environ
from shuxiang.identifiers.tests.test_fastpath import call


@pytest.fixture(scope="module")
def threads():
    return DjangoThreads(threads=2, queue=4)


def test_the_served_application_runs_django_on_the_thread_pool():
    from shuxiang.asgi import django_application

    assert isinstance(django_application, DjangoThreads)


def test_a_page_is_answered_by_django_on_a_pool_thread(transactional_db, threads):
    status, head, body = call(threads, "/healthz")
    assert status == 200 and body


def test_a_streamed_answer_arrives_whole(transactional_db, threads):
    """WhiteNoise answers static files as a streamed response: passed on chunk by chunk."""
    status, head, body = call(threads, "/static/shuxiang/base.css")
    expected = (settings.BASE_DIR / "core/static/shuxiang/base.css").read_bytes()
    assert status == 200 and body == expected
    assert int(head["content-length"]) == len(expected)


def test_a_posted_body_reaches_django(transactional_db, threads):
    """A JSON body posted in two parts reaches Django whole: the registration service judges
    the mobile number it carries (a missing body would fail schema validation instead)."""
    sent = []
    payload = b'{"mobile": "12", "password": "abc12345x"}'
    messages = [
        {"type": "http.request", "body": payload[10:], "more_body": False},
        {"type": "http.request", "body": payload[:10], "more_body": True},
    ]

    async def receive():
        return messages.pop() if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "http_version": "1.1", "method": "POST", "scheme": "http",
        "path": "/api/v1/accounts/register/quick",
        "raw_path": b"/api/v1/accounts/register/quick", "query_string": b"",
        "root_path": "", "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000),
        "headers": [(b"host", b"testserver"), (b"content-type", b"application/json")],
    }  # fmt: skip
    asyncio.run(threads(scope, receive, send))
    body = b"".join(m.get("body", b"") for m in sent[1:])
    assert sent[0]["status"] == 400, body
    assert b'"field": "mobile"' in body and b"mobile_format" in body


def test_a_full_queue_answers_503_at_once_with_retry_after(transactional_db):
    app = DjangoThreads(threads=1, queue=0)
    app.admitted = 1  # the one thread is busy and nothing may wait
    status, head, body = call(app, "/healthz")
    assert status == 503 and head["retry-after"] == "1"
    assert b"busy" in body
    app.admitted = 0
    assert call(app, "/healthz")[0] == 200


def test_the_environ_carries_the_request_as_a_wsgi_server_would():
    scope = {
        "type": "http", "http_version": "1.1", "method": "GET", "scheme": "https",
        "path": "/s/330600/read/书/", "raw_path": b"/s/330600/read/%E4%B9%A6/",
        "query_string": b"q=%E6%9C%88", "root_path": "", "client": ("10.0.0.9", 4711),
        "server": ("node.example", 443),
        "headers": [
            (b"host", b"node.example"), (b"cookie", b"a=1"), (b"cookie", b"b=2"),
            (b"accept", b"text/html"), (b"accept", b"*/*"),
            (b"x_forwarded_for", b"6.6.6.6"), (b"content-length", b"999"),
        ],
    }  # fmt: skip
    environ = wsgi_environ(scope, io.BytesIO(b"abc"))
    assert environ["PATH_INFO"].encode("latin-1").decode("utf-8") == "/s/330600/read/书/"
    assert environ["QUERY_STRING"] == "q=%E6%9C%88"
    assert environ["wsgi.url_scheme"] == "https" and environ["REMOTE_ADDR"] == "10.0.0.9"
    assert environ["HTTP_COOKIE"] == "a=1; b=2" and environ["HTTP_ACCEPT"] == "text/html,*/*"
    assert "HTTP_X_FORWARDED_FOR" not in environ  # an underscore header never poses as one
    assert environ["CONTENT_LENGTH"] == "3"  # the body read, not what the header claimed
    assert environ["asgi.scope"] is scope


def _scope(path: str) -> dict:
    return {
        "type": "http", "http_version": "1.1", "method": "GET", "scheme": "http",
        "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
        "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000),
        "headers": [(b"host", b"testserver")],
    }  # fmt: skip


def test_waiting_requests_run_in_order_and_one_whose_client_left_never_runs(transactional_db):
    app = DjangoThreads(threads=1, queue=10)
    answered = []

    async def client(name: str, leaves: asyncio.Event | None):
        messages = [{"type": "http.request", "body": b"", "more_body": False}]

        async def receive():
            if messages:
                return messages.pop()
            await (leaves.wait() if leaves else asyncio.sleep(30))
            return {"type": "http.disconnect"}

        async def send(message):
            if message["type"] == "http.response.start":
                answered.append((name, message["status"]))

        await app(_scope("/healthz"), receive, send)

    async def scenario():
        app.running = 1  # the one thread is taken: the next requests wait
        leaves = asyncio.Event()
        tasks = [
            asyncio.create_task(client("first", None)),
            asyncio.create_task(client("gone", leaves)),
            asyncio.create_task(client("third", None)),
        ]
        await asyncio.sleep(0.2)
        assert answered == [] and len(app.waiting) == 3
        leaves.set()  # the second client disconnects while waiting
        await asyncio.sleep(0.1)
        app._release()  # the thread is free again
        await asyncio.gather(*tasks)

    asyncio.run(scenario())
    assert answered == [("first", 200), ("third", 200)]
    assert app.running == 0 and app.admitted == 0 and not app.waiting
