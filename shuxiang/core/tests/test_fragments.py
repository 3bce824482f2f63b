"""Rendered fragments shared by signed-in readers' pages (``shuxiang.core.fragments``).

The search page's hits, facets and page links are rendered once per query, visibility, site
and language and remembered under the page generation. These tests go through the real ASGI
stack (fronts, thread pool, Django) with session cookies, so no page comes from the anonymous
page cache: what is shared is only the fragment, and only between readers who may see the same.
"""

from __future__ import annotations

from shuxiang.accounts.tests.factories import reader
from shuxiang.core.actors import SYSTEM
from shuxiang.core.tests.test_pagecache import front, get, live_node, signed_in_cookie  # noqa: F401


def search(front, cookie: str, q: str = "兰亭", **headers) -> str:  # noqa: F811
    status, head, body = get(front, f"/search?q={q}", cookie=cookie, **headers)
    assert status == 200 and "x-cache" not in head  # rendered by Django for this reader
    return body.decode()


def test_a_new_record_and_a_deletion_reach_a_remembered_search_at_once(front, live_node):  # noqa: F811
    from shuxiang.catalog import services
    from shuxiang.catalog.tests.factories import record

    cookie = signed_in_cookie(reader(live_node["sx"], username="reader-sun"))
    for _ in range(2):  # the second page takes its hits from the remembered fragment
        assert "集序新证" not in search(front, cookie)
    made = record("兰亭集序新证")
    assert "集序新证" in search(front, cookie)
    assert "集序新证" in search(front, cookie)
    services.delete_record(made.pk, by=SYSTEM)
    assert "集序新证" not in search(front, cookie)


def test_readers_who_may_see_different_records_never_share_hits(front, live_node):  # noqa: F811
    """A record for Shaoxing's readers only: the first to search it is its reader, then a
    Hangzhou reader and an anonymous visitor search the same words; then the other way round."""
    from shuxiang.catalog.tests.factories import record

    record("兰亭馆藏稿本", library=live_node["sx"], access="library")
    shaoxing = signed_in_cookie(reader(live_node["sx"], username="reader-li"))
    hangzhou = signed_in_cookie(reader(live_node["hz"], username="reader-wang"))
    assert "馆藏稿本" in search(front, shaoxing)
    assert "馆藏稿本" not in search(front, hangzhou)
    assert "馆藏稿本" not in get(front, "/search?q=兰亭")[2].decode()  # anonymous
    other_order = "兰亭&sort=title"
    assert "馆藏稿本" not in search(front, hangzhou, q=other_order)  # the other way round
    assert "馆藏稿本" in search(front, shaoxing, q=other_order)


def test_each_language_has_its_own_fragment(front, live_node):  # noqa: F811
    from shuxiang.catalog.tests.factories import record

    record("兰亭序帖")
    cookie = signed_in_cookie(reader(live_node["sx"], username="reader-zhao"))
    chinese = search(front, cookie, accept_language="zh-Hans")
    english = search(front, cookie, accept_language="en")
    assert "序帖" in chinese and "缩小结果范围" in chinese
    assert "序帖" in english and "Narrow the results" in english and "缩小结果范围" not in english
