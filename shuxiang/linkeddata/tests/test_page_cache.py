"""Behind the ASGI page cache, RDF clients still get RDF: the cache answers only HTML seekers."""

from __future__ import annotations

import pytest

from shuxiang.core.pagecache.front import prefers_html
from shuxiang.core.tests.test_pagecache import front, get  # noqa: F401  (the front fixture)

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.mark.parametrize(
    ("accept", "html"),
    [
        ("", True),
        (BROWSER, True),
        ("*/*", True),
        ("text/turtle", False),
        ("text/turtle, */*;q=0.1", False),
        ("application/ld+json;q=0.9, text/html;q=0.5", False),
        ("text/html;q=0.5, text/turtle;q=0.5", True),
    ],
)
def test_the_cache_front_only_answers_clients_preferring_html(accept, html):
    assert prefers_html(accept) is html


def test_a_cached_page_does_not_answer_a_turtle_client(transactional_db, world, front):  # noqa: F811
    path = "/ld/person/鲁迅/"
    get(front, path, accept=BROWSER)
    status, head, body = get(front, path, accept=BROWSER)
    assert status == 200 and head["x-cache"] == "hit" and "Accept" in head["vary"]
    status, head, body = get(front, path, accept="text/turtle")
    assert status == 200 and head.get("x-cache") != "hit"
    assert head["content-type"].startswith("text/turtle") and "鲁迅".encode() in body
