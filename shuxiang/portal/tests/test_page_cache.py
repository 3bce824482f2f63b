"""Every event that changes what a public page shows makes its cached copy stale at commit.

Each test caches the anonymous page first (answered from the cache the second time), then runs
the event through its service in its own committed transaction, and reads the page again.
"""

from __future__ import annotations

import pytest

from shuxiang.accounts.tests.factories import admin_of, user
from shuxiang.core.actors import SYSTEM
from shuxiang.core.tests.test_pagecache import front, get, live_node  # noqa: F401 (fixtures)


def cached(front, path: str) -> str:  # noqa: F811
    """The page at ``path``, after checking it is now answered from the cache."""
    get(front, path)
    status, head, body = get(front, path)
    assert status == 200 and head["x-cache"] == "hit", path
    return body.decode()


def fresh(front, path: str) -> str:  # noqa: F811
    """The page at ``path``, after checking the cache did not answer it."""
    status, head, body = get(front, path)
    assert status == 200 and head["x-cache"] == "miss", path
    return body.decode()


@pytest.fixture
def collection(live_node):  # noqa: F811
    from shuxiang.resources.models import Collection

    return Collection.objects.create(
        library=live_node["sx"], code="local", name="绍兴地方文献", kind=Collection.Kind.INDEPENDENT
    )


def test_publishing_and_withdrawing_a_resource(front, collection):  # noqa: F811
    from shuxiang.resources import services
    from shuxiang.resources.tests.helpers import make_resource

    resource = make_resource(collection, title="兰亭老照片")
    services.submit(resource, by=SYSTEM)
    assert "兰亭老照片" not in cached(front, "/resources/")
    services.publish(resource, by=SYSTEM)
    assert "兰亭老照片" in fresh(front, "/resources/")
    assert "兰亭老照片" in cached(front, f"/resources/{resource.pk}/")
    services.withdraw(resource, by=SYSTEM, reason="版权到期")
    assert "兰亭老照片" not in fresh(front, "/resources/")
    status, head, _body = get(front, f"/resources/{resource.pk}/")
    assert status == 404 and "x-cache" not in head


def test_a_catalog_record_reaches_the_cached_search_page(front, live_node):  # noqa: F811
    from shuxiang.catalog.tests.factories import record

    assert "集序考释" not in cached(front, "/search?q=兰亭")
    record("兰亭集序考释")
    assert "集序考释" in fresh(front, "/search?q=兰亭")


def test_a_curation_edit_reaches_the_cached_home_pages(front, live_node):  # noqa: F811
    from shuxiang.portal import services
    from shuxiang.portal.models import Column

    column = Column.objects.filter(library=live_node["nlc"]).first()
    assert "孟子导读" not in cached(front, "/")
    assert "孟子导读" not in cached(front, "/s/330600/")  # the column is distributed here
    services.add_entry(column, {"title": "孟子导读", "url": "/read/demo:mengzi/"}, by=SYSTEM)
    assert "孟子导读" in fresh(front, "/")
    assert "孟子导读" in fresh(front, "/s/330600/")


def test_branding_reaches_the_cached_site(front, live_node):  # noqa: F811
    from shuxiang.network import services

    assert "书香绍兴欢迎你" not in cached(front, "/s/330600/")
    branding = {"primary_color": "#1a5fb4", "slogan": "书香绍兴欢迎你"}
    services.update_library(live_node["sx"], {"branding": branding}, by=SYSTEM)
    assert "书香绍兴欢迎你" in fresh(front, "/s/330600/")


def test_a_librarys_status_reaches_the_cached_site_list(front, live_node):  # noqa: F811
    from shuxiang.network import services
    from shuxiang.network.models import Library
    from shuxiang.network.tests.test_admission import APPLICATION

    joining = services.apply_for_admission(APPLICATION, by=user("applicant")).library
    assert "枫桥镇图书馆" not in cached(front, "/sites/?q=枫桥")
    services.approve_admission(joining, by=admin_of(live_node["sx"]))
    assert "枫桥镇图书馆" in fresh(front, "/sites/?q=枫桥")
    joining.refresh_from_db()
    cached(front, "/sites/?q=枫桥")
    services.set_status(joining, Library.Status.SUSPENDED, by=admin_of(live_node["sx"]))
    fresh(front, "/sites/?q=枫桥")


def test_a_network_only_resource_page_is_never_stored(front, collection):  # noqa: F811
    from shuxiang.resources.tests.helpers import published

    resource = published(collection, title="馆内老照片", access="network")
    for _ in range(2):  # whether it opens depends on the reader's address
        status, head, body = get(front, f"/resources/{resource.pk}/")
        assert status == 200 and "x-cache" not in head and "馆内老照片" in body.decode()


# Fragments of pages Django still renders (a signed-in reader's pages are never stored) are
# cached too: the home page's shelves, and the libraries and sources that search hits show.
# The same events make them stale at commit.


def test_a_curation_edit_reaches_a_signed_in_readers_home_at_once(front, live_node):  # noqa: F811
    from shuxiang.accounts.tests.factories import reader
    from shuxiang.core.tests.test_pagecache import signed_in_cookie
    from shuxiang.portal import services
    from shuxiang.portal.models import Column

    cookie = signed_in_cookie(reader(live_node["sx"], username="reader-zhou"))
    column = Column.objects.filter(library=live_node["nlc"]).first()
    for _ in range(2):  # the second answer comes from the cached shelves fragment
        status, head, body = get(front, "/s/330600/", cookie=cookie)
        assert status == 200 and "x-cache" not in head and "荀子导读" not in body.decode()
    services.add_entry(column, {"title": "荀子导读", "url": "/read/demo:xunzi/"}, by=SYSTEM)
    assert "荀子导读" in get(front, "/s/330600/", cookie=cookie)[2].decode()


def test_a_library_rename_reaches_search_hits_and_shelves_at_once(front, live_node):  # noqa: F811
    from shuxiang.accounts.tests.factories import reader
    from shuxiang.catalog.tests.factories import record
    from shuxiang.core.tests.test_pagecache import signed_in_cookie
    from shuxiang.network import services

    record("兰亭集序汇校", library=live_node["sx"])
    cookie = signed_in_cookie(reader(live_node["sx"], username="reader-qian"))
    for _ in range(2):  # the second page takes the hit's library from memory
        body = get(front, "/search?q=兰亭", cookie=cookie)[2].decode()
        assert "集序汇校" in body and "· 会稽书院</p>" not in body
        assert "会稽书院总馆" not in get(front, "/s/330600/", cookie=cookie)[2].decode()
    services.update_library(live_node["sx"], {"name": "会稽书院"}, by=SYSTEM)
    assert "· 会稽书院</p>" in get(front, "/search?q=兰亭", cookie=cookie)[2].decode()
    services.update_library(live_node["nlc"], {"name": "会稽书院总馆"}, by=SYSTEM)
    assert "会稽书院总馆" in get(front, "/s/330600/", cookie=cookie)[2].decode()  # "From …"
