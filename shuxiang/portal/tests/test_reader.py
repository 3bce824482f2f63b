"""The reader: chapters from a ChapterSource, settings and position kept per reader."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from shuxiang.accounts.tests.factories import PASSWORD
from shuxiang.core.models import AuditEvent
from shuxiang.portal import chapters
from shuxiang.portal.demo_books import DemoBooks
from shuxiang.portal.models import ReaderPreferences, ReadingPosition


def _logged_in(reader) -> Client:
    device = Client()
    assert device.login(username=reader.username, password=PASSWORD)
    return device


def _api(device, method, path, body=None):
    call = getattr(device, method)
    if body is None:
        return call(f"/api/v1/{path}")
    return call(f"/api/v1/{path}", json.dumps(body), content_type="application/json")


def test_the_demo_books_implement_the_chapter_source_interface():
    source = DemoBooks()
    assert isinstance(source, chapters.ChapterSource)
    toc = source.get_toc("demo:lunyu")
    assert len(toc) == 20 and toc.chapters[2] == "八佾篇"
    assert source.get_chapter("demo:lunyu", 2).startswith("<h2>八佾篇</h2>")
    assert source.get_chapter("demo:lunyu", 20) is None
    assert source.get_toc("resource:1") is None


def test_chapter_sources_are_chosen_by_dotted_path(monkeypatch):
    monkeypatch.setenv("SHUXIANG_PORTAL_CHAPTER_SOURCES", "shuxiang.portal.demo_books.DemoBooks")
    assert chapters.find("demo:daxue")[1].title == "大学"
    monkeypatch.setenv("SHUXIANG_PORTAL_CHAPTER_SOURCES", "shuxiang.portal.models.Like")
    with pytest.raises(TypeError, match="get_toc"):
        chapters.find("demo:daxue")


def test_a_chapter_page_reads_without_javascript(client, net):
    page = client.get("/read/demo:lunyu/3/").content.decode()
    assert "<h2>八佾篇</h2>" in page
    assert 'rel="prev" href="/read/demo:lunyu/2/"' in page
    assert 'rel="next" href="/read/demo:lunyu/4/"' in page
    assert 'href="/read/demo:lunyu/20/"' in page  # the contents list
    assert client.get("/read/demo:lunyu/go/", {"n": "7"})["Location"] == "/read/demo:lunyu/7/"


def test_missing_items_and_chapters_are_not_found(client, net):
    assert client.get("/read/demo:nothing/").status_code == 404
    assert client.get("/read/demo:lunyu/21/").status_code == 404


def test_preferences_are_kept_per_reader_and_applied_to_the_page(net, reader):
    phone = _logged_in(reader)
    response = _api(phone, "patch", "me/preferences", {"font_size": 24, "theme": "sepia"})
    assert response.json() == {"font_size": 24, "theme": "sepia", "line_spacing": 1.8}
    page = _logged_in(reader).get("/read/demo:lunyu/1/").content.decode()
    assert "--reader-size:24px" in page and "theme-sepia" in page
    assert AuditEvent.objects.filter(action="portal.set_preferences").count() == 1


def test_bad_preferences_name_each_field(net, reader):
    phone = _logged_in(reader)
    response = _api(phone, "patch", "me/preferences", {"font_size": 99, "theme": "neon"})
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"font_size", "theme"}
    assert not ReaderPreferences.objects.exists()


def test_the_settings_form_works_without_javascript(net, reader):
    phone = _logged_in(reader)
    response = phone.post("/me/preferences/", {"font_size": "22", "next": "/read/demo:lunyu/2/"})
    assert response["Location"] == "/read/demo:lunyu/2/"
    assert ReaderPreferences.objects.get(user=reader).font_size == 22


def test_the_position_saved_on_one_device_resumes_on_another(net, reader):
    phone, laptop = _logged_in(reader), _logged_in(reader)
    saved = _api(
        phone, "put", "me/positions", {"item_key": "demo:lunyu", "locator": {"chapter": 2}}
    )
    assert saved.status_code == 200
    assert laptop.get("/read/demo:lunyu/")["Location"] == "/read/demo:lunyu/3/"
    found = _api(laptop, "get", "me/positions?item_key=demo:lunyu").json()
    assert [p["locator"] for p in found] == [{"chapter": 2}]


def test_a_reader_who_never_read_an_item_starts_at_chapter_one(client, net, reader):
    assert client.get("/read/demo:lunyu/")["Location"] == "/read/demo:lunyu/1/"
    assert _api(_logged_in(reader), "get", "me/positions?item_key=demo:lunyu").json() == []


@pytest.mark.parametrize(
    "locator, field",
    [
        ({}, "locator"),
        ({"chapter": -1}, "locator.chapter"),
        ({"progress": 1.5}, "locator.progress"),
        ({"page": 0}, "locator.page"),
        ({"colour": "red"}, "locator.colour"),
    ],
)
def test_a_bad_position_names_the_field(net, reader, locator, field):
    response = _api(
        _logged_in(reader), "put", "me/positions", {"item_key": "demo:lunyu", "locator": locator}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == field
    assert not ReadingPosition.objects.exists()


def test_positions_need_a_logged_in_reader(client, net):
    response = _api(client, "put", "me/positions", {"item_key": "demo:lunyu", "locator": {}})
    assert response.status_code in (401, 403)


def test_bookshelf_bookmarks_and_likes_through_the_api(net, reader):
    phone = _logged_in(reader)
    shelved = _api(
        phone,
        "post",
        "me/shelf",
        {"item_key": "demo:lunyu", "title": "论语", "url": "/read/demo:lunyu/"},
    )
    assert shelved.status_code == 201
    assert [i["item_key"] for i in _api(phone, "get", "me/shelf").json()] == ["demo:lunyu"]
    mark = _api(
        phone, "post", "me/bookmarks", {"item_key": "demo:lunyu", "locator": {"chapter": 4}}
    ).json()
    assert _api(phone, "get", "me/bookmarks?item_key=demo:lunyu").json()[0]["id"] == mark["id"]
    assert _api(phone, "put", "me/likes", {"item_key": "demo:lunyu"}).json()["count"] == 1
    assert _api(phone, "put", "me/likes", {"item_key": "demo:lunyu"}).json()["count"] == 1
    assert Client().get("/api/v1/likes?item_key=demo:lunyu").json()["count"] == 1
    assert _api(phone, "delete", "me/likes?item_key=demo:lunyu").json()["count"] == 0
    assert Client().get("/api/v1/likes?item_key=demo:lunyu").json()["count"] == 0
    assert _api(phone, "delete", f"me/bookmarks/{mark['id']}").status_code == 204
    assert _api(phone, "delete", "me/shelf?item_key=demo:lunyu").status_code == 204
    assert _api(phone, "delete", "me/shelf?item_key=demo:lunyu").status_code == 404


def test_the_bookshelf_page_lists_what_the_reader_keeps(net, reader):
    phone = _logged_in(reader)
    phone.post(
        "/s/330600/me/shelf/",
        {"item_key": "demo:lunyu", "title": "论语", "url": "/read/demo:lunyu/"},
    )
    page = phone.get("/s/330600/me/").content.decode()
    assert 'href="/s/330600/read/demo:lunyu/">论语</a>' in page


def test_a_share_page_shows_the_full_link_and_its_qr_code(client, net):
    page = client.get("/share/", {"u": "/read/demo:lunyu/3/"}, HTTP_HOST="sx.example.org")
    text = page.content.decode()
    assert 'value="http://sx.example.org/read/demo:lunyu/3/"' in text
    assert "<svg" in text and "<path" in text
    image = client.get("/share/qr.svg", {"u": "/read/demo:lunyu/3/"})
    assert image["Content-Type"] == "image/svg+xml"
    assert client.get("/share/", {"u": "https://evil.example/"}).status_code == 400


def test_the_service_worker_is_served_from_the_root_with_the_shell_list(client, net):
    response = client.get("/sw.js")
    body = response.content.decode()
    assert response["Service-Worker-Allowed"] == "/"
    assert body.startswith('const SHELL = ["/static/shuxiang/base.css"')
    assert "/offline/" in body


def test_the_home_page_offers_to_continue_what_the_reader_was_reading(net, reader):
    phone = _logged_in(reader)
    _api(phone, "put", "me/positions", {"item_key": "demo:daxue", "locator": {"chapter": 0}})
    page = phone.get("/").content.decode()
    assert '<a href="/read/demo:daxue/">大学</a>' in page
