"""The anonymous page cache: what it stores, for whom, and how a page is revalidated.

Requests run through the real ASGI stack (the front and Django) against a committed database;
the store is the mode's own (SQLite file embedded, Redis in server mode).
"""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.test import Client

from shuxiang.accounts.tests.factories import reader
from shuxiang.identifiers.tests.test_fastpath import call


@pytest.fixture
def live_node(transactional_db):
    """The small network with the demo columns, committed (the front reads on its own)."""
    from shuxiang.network.divisions import load_divisions
    from shuxiang.network.tests.factories import small_network
    from shuxiang.portal.demo import load_demo_portal
    from shuxiang.portal.sites import forget_sites

    load_divisions(progress=False)
    network = small_network()
    load_demo_portal()
    forget_sites()
    return network


@pytest.fixture
def front():
    """A fresh front (empty process memory) over a store with every earlier page stale."""
    from shuxiang.asgi import django_application
    from shuxiang.core.pagecache.front import PageCacheFront
    from shuxiang.core.pagecache.stores import get_store, reset_store

    reset_store()
    get_store().bump()
    return PageCacheFront(django_application)


def get(front, path, **headers):
    query = b""
    if "?" in path:
        path, raw = path.split("?", 1)
        query = raw.encode()
    return call(front, path, {k.replace("_", "-"): v for k, v in headers.items()}, query=query)


def signed_in_cookie(person) -> str:
    client = Client()
    client.force_login(person)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def test_an_anonymous_page_is_stored_once_then_answered_from_the_cache(live_node, front):
    status, head, body = get(front, "/")
    assert status == 200 and head["x-cache"] == "miss"
    again_status, again, again_body = get(front, "/")
    assert again_status == 200 and again["x-cache"] == "hit"
    assert again_body == body and "经典导读" in body.decode()
    assert again["etag"] == head["etag"] and again["last-modified"]
    assert again["vary"] == "Accept, Accept-Language, Cookie"
    assert again["content-type"].startswith("text/html")


def test_a_cached_page_carries_no_csrf_token_and_sets_no_cookie(live_node, front):
    for path in ("/", "/s/330600/", "/read/demo:lunyu/3/", "/search?q=论语", "/sites/"):
        get(front, path)
        status, head, body = get(front, path)
        assert status == 200 and head["x-cache"] == "hit", path
        assert "set-cookie" not in head
        assert b"csrfmiddlewaretoken" not in body


def test_revalidation_answers_304_with_the_etag_or_the_date(live_node, front):
    _status, head, _body = get(front, "/")
    status, again, body = get(front, "/", if_none_match=head["etag"])
    assert status == 304 and body == b"" and again["etag"] == head["etag"]
    status, _again, _body = get(front, "/", if_modified_since=head["last-modified"])
    assert status == 304
    status, _again, body = get(front, "/", if_none_match='"other"')
    assert status == 200 and body


def test_a_signed_in_reader_never_receives_the_cached_anonymous_page(live_node, front):
    person = reader(live_node["sx"], username="reader-lin")
    get(front, "/")
    assert get(front, "/")[1]["x-cache"] == "hit"
    status, head, body = get(front, "/", cookie=signed_in_cookie(person))
    assert status == 200 and "x-cache" not in head
    assert 'action="/accounts/logout/"' in body.decode()  # the reader's own page


def test_an_anonymous_reader_never_receives_a_signed_in_readers_page(live_node, front):
    person = reader(live_node["sx"], username="reader-lin")
    cookie = signed_in_cookie(person)
    for _ in range(2):
        status, head, body = get(front, "/", cookie=cookie)
        assert 'action="/accounts/logout/"' in body.decode() and "x-cache" not in head
    status, head, body = get(front, "/")
    assert head["x-cache"] == "miss" and "/accounts/logout/" not in body.decode()


def test_pages_are_keyed_by_the_language_django_would_choose(live_node, front):
    _s, head, chinese = get(front, "/", accept_language="zh-CN,zh;q=0.9")
    assert head["x-cache"] == "miss" and "English" in chinese.decode()
    _s, head, english = get(front, "/", accept_language="en-US,en;q=0.8")
    assert head["x-cache"] == "miss" and english != chinese and "中文" in english.decode()
    _s, head, body = get(front, "/", accept_language="en")  # resolves to the same language
    assert head["x-cache"] == "hit" and body == english
    _s, head, body = get(front, "/", cookie=f"{settings.LANGUAGE_COOKIE_NAME}=en")
    assert head["x-cache"] == "hit" and body == english
    _s, head, body = get(front, "/", accept_language="fr")  # unknown: the default language
    assert head["x-cache"] == "hit" and body == chinese


def test_the_language_switch_is_a_link_that_sets_the_cookie(live_node, front):
    _s, _h, body = get(front, "/s/330600/")
    form = '<form method="get" action="/s/330600/i18n/language/" class="lang">'
    assert form in body.decode() and 'name="next" value="/s/330600/"' in body.decode()
    status, head, _b = get(front, "/s/330600/i18n/language/?language=en&next=/s/330600/")
    assert status == 302 and head["location"] == "/s/330600/"
    assert f"{settings.LANGUAGE_COOKIE_NAME}=en" in head["set-cookie"]
    status, head, _b = get(front, "/i18n/language/?language=en&next=https://evil.example/")
    assert head["location"] == "/"


def test_hosts_and_paths_and_queries_are_separate_pages(live_node, front):
    get(front, "/search?q=论语")
    assert get(front, "/search?q=论语")[1]["x-cache"] == "hit"
    assert get(front, "/search?q=大学")[1]["x-cache"] == "miss"
    assert get(front, "/s/330600/")[1]["x-cache"] == "miss"


def test_other_cookies_and_bearer_tokens_bypass_the_cache(live_node, front):
    get(front, "/")
    assert "x-cache" not in get(front, "/", cookie="messages=abc")[1]
    assert "x-cache" not in get(front, "/", authorization="Bearer x")[1]


def test_the_lifetime_is_a_safety_net(live_node, front, monkeypatch):
    monkeypatch.setenv("SHUXIANG_PAGE_CACHE_SECONDS", "1")
    get(front, "/")
    assert get(front, "/")[1]["x-cache"] == "hit"
    time.sleep(1.1)
    assert get(front, "/")[1]["x-cache"] == "miss"


def test_answers_from_the_cache_count_page_views_and_searches(live_node, front):
    from shuxiang.stats.events import COLLECTOR

    get(front, "/search?q=论语")
    COLLECTOR.discard()
    get(front, "/search?q=论语", user_agent="Mozilla/5.0 (iPhone)")
    kinds = sorted((row[3], row[6]) for row in COLLECTOR._rows)
    assert kinds == [("page_view", "mobile"), ("search", "mobile")]


def test_errors_and_pages_not_marked_public_are_not_stored(live_node, front):
    assert get(front, "/search?q=论语&page=abc")[0] in (200, 400)
    assert "x-cache" not in get(front, "/topics/999999/")[1]
    assert "x-cache" not in get(front, "/offline/")[1]
