"""Published EPUB books open in the portal reader, under their access policy, and search finds
them with links to their page and to the reader."""

from __future__ import annotations

import pytest
from django.utils import translation

from shuxiang.accounts.tests.factories import user
from shuxiang.core.actors import SYSTEM
from shuxiang.portal import chapters
from shuxiang.resources import services
from shuxiang.resources.reader_source import ResourceChapters
from shuxiang.resources.tests.helpers import epub_bytes, make_resource, upload

CHAPTERS = [(f"第{n}章", f"第{n}章的正文。\n又一段。") for n in "一二三四"]


def _book(collection, chapters=CHAPTERS, **fields):
    files = [upload("book.epub", epub_bytes(chapters))]
    data = {"type": "ebook", "subtype": "", "title": "越中杂记", **fields}
    return _committed(make_resource, collection, files=files, **data)


def _committed(call, *args, **kwargs):
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        return call(*args, **kwargs)


def _publish(resource):
    services.submit(resource, by=SYSTEM)
    return _committed(services.publish, resource, by=SYSTEM)


def test_a_published_epub_is_a_chapter_source_with_its_table_of_contents(sx_collection):
    book = _publish(_book(sx_collection, creator="佚名"))
    source, toc = chapters.find(f"resource:{book.pk}")
    assert isinstance(source, ResourceChapters)
    assert toc.title == "越中杂记" and toc.author == "佚名"
    assert toc.chapters == ["第一章", "第二章", "第三章", "第四章"]
    assert "<h2>第三章</h2>" in source.get_chapter(f"resource:{book.pk}", 2)
    assert source.get_chapter(f"resource:{book.pk}", 4) is None
    assert chapters.find("demo:lunyu")[1].title == "论语"  # the demo books still follow


@pytest.mark.parametrize("key", ["resource:", "resource:x1", "resource:999999", "demo:none"])
def test_unknown_keys_are_not_resource_books(sx_collection, key):
    assert ResourceChapters().get_toc(key) is None


def test_drafts_are_not_in_the_reader(client, sx_collection):
    book = _book(sx_collection)
    assert ResourceChapters().get_toc(f"resource:{book.pk}") is None
    assert client.get(f"/read/resource:{book.pk}/1/").status_code == 404


def test_the_reader_resumes_a_resource_book_and_shows_its_chapters(client, sx_collection):
    book = _publish(_book(sx_collection))
    response = client.get(f"/read/resource:{book.pk}/")
    assert response.status_code == 302 and response["Location"].endswith(f":{book.pk}/1/")
    page = client.get(f"/read/resource:{book.pk}/3/").content.decode()
    assert "<h2>第三章</h2>" in page and "第三章的正文。" in page
    assert f'href="/resources/{book.pk}/"' in page  # back to the resource page


def test_a_registered_only_book_is_refused_to_anonymous_readers_with_the_reason(
    client, sx_collection
):
    book = _publish(_book(sx_collection, access="registered"))
    refused = client.get(f"/read/resource:{book.pk}/2/")
    assert refused.status_code == 403
    with translation.override("zh-hans"):
        reason = translation.gettext("Log in as a registered reader to open this resource.")
    assert reason in refused.content.decode()
    assert "第二章的正文" not in refused.content.decode()
    assert client.get(f"/read/resource:{book.pk}/").status_code == 403
    client.force_login(user("reader"))
    assert client.get(f"/read/resource:{book.pk}/2/").status_code == 200


def test_chapters_that_needed_a_login_are_not_stored_on_the_device(client, sx_collection):
    closed = _publish(_book(sx_collection, access="registered"))
    open_book = _publish(_book(sx_collection, [("序", "公开的正文。")], title="公开读本"))
    client.force_login(user("reader"))
    restricted = client.get(f"/read/resource:{closed.pk}/1/")
    assert restricted.status_code == 200
    assert restricted["Cache-Control"] == "private, no-store"
    public = client.get(f"/read/resource:{open_book.pk}/1/")
    assert "no-store" not in public.get("Cache-Control", "")
    assert ResourceChapters().is_open(f"resource:{open_book.pk}")
    assert not ResourceChapters().is_open(f"resource:{closed.pk}")


def test_a_staff_only_book_stays_closed_to_readers(client, sx_collection):
    book = _publish(_book(sx_collection, access="staff"))
    client.force_login(user("reader"))
    assert client.get(f"/read/resource:{book.pk}/1/").status_code == 403


def test_the_resource_page_of_a_book_links_to_the_reader(client, sx_collection):
    book = _publish(_book(sx_collection))
    page = client.get(f"/resources/{book.pk}/").content.decode()
    assert f'href="/read/resource:{book.pk}/"' in page


def test_a_photograph_page_has_no_reader_link(client, sx_collection):
    photo = _publish(make_resource(sx_collection))
    assert "/read/" not in client.get(f"/resources/{photo.pk}/").content.decode()


def test_search_results_link_a_local_book_to_its_page_and_the_reader(
    client, sx_collection, tmp_path
):
    from shuxiang.catalog.search import base
    from shuxiang.catalog.search.tantivy_backend import TantivyBackend

    base.set_backend(TantivyBackend(tmp_path / "index"))
    try:
        book = _publish(_book(sx_collection))
        photo = _publish(make_resource(sx_collection, title="越中老照片"))
        page = client.get("/search", {"q": "越中"}).content.decode()
    finally:
        base.set_backend(None)
    assert f'href="/resources/{book.pk}/"' in page
    assert f'href="/read/resource:{book.pk}/"' in page
    assert f'href="/resources/{photo.pk}/"' in page
    assert f'href="/read/resource:{photo.pk}/"' not in page
