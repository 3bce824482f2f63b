"""The search page, the JSON API and the CLI: thin fronts over the same services."""

from __future__ import annotations

import json

import pymarc
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from shuxiang.accounts.tests.factories import admin_of, user
from shuxiang.catalog.models import Record, Source
from shuxiang.catalog.schemas import SearchOut
from shuxiang.catalog.search import service
from shuxiang.catalog.tests.factories import record
from shuxiang.network.tests.factories import small_network


@pytest.fixture
def shelf(tantivy_engine, committed):
    net = small_network()
    with committed():
        record("图书馆学概论", creators=["吴慰慈"], date="1985", type="book", library=net["sx"])
        record("圖書館史", creators=["谢灼华"], date="1987", type="book", library=net["sx"])
        record("图书馆讲座", date="2020", type="video", library=net["lz"])
        record("图书馆内部资料", library=net["sx"], access="staff")
    return net


def test_search_page_lists_highlighted_hits_and_facets_without_javascript(client, shelf):
    with translation.override("en"):
        response = client.get("/search", {"q": "图书馆"}, HTTP_ACCEPT_LANGUAGE="en")
    body = response.content.decode()
    assert response.status_code == 200
    assert "<mark>图书馆</mark>学概论" in body and "<mark>圖書館</mark>史" in body
    assert "内部资料" not in body
    assert "3 results" in body and "<details" in body and "type=video" in body


def test_facet_links_narrow_and_keep_the_query(client, shelf):
    response = client.get("/search", {"q": "图书馆", "type": "video"})
    body = response.content.decode()
    assert "讲座" in body and "概论" not in body


def test_search_page_names_bad_options(client, shelf):
    with translation.override("en"):
        response = client.get("/search", {"q": "x", "sort": "random"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400 and "sort:" in response.content.decode()


def test_search_page_escapes_what_people_type(client, shelf):
    response = client.get("/search", {"q": "<script>alert(1)</script>"})
    assert b"<script>alert(1)" not in response.content


def test_api_search_returns_hits_facets_and_pages(client, shelf):
    response = client.get(
        "/api/v1/catalog/search", {"q": "图书馆", "page_size": 2, "sort": "-year"}
    )
    data = response.json()
    assert response.status_code == 200 and data["total"] == 3 and data["pages"] == 2
    assert data["hits"][0]["record"]["title"] == "图书馆讲座"
    assert {"value": "book", "count": 2} in data["facets"]["type"]
    assert SearchOut.model_validate(data).model_dump(mode="json") == data  # the documented shape


def test_api_bad_search_option_is_a_field_error(client, shelf):
    response = client.get("/api/v1/catalog/search", {"q": "x", "field": "isbn"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "field"


def test_api_suggest_and_record_detail_respect_access(client, shelf):
    assert client.get("/api/v1/catalog/search/suggest", {"prefix": "图书馆内"}).json() == []
    hidden = Record.objects.get(title="图书馆内部资料")
    assert client.get(f"/api/v1/catalog/records/{hidden.pk}").status_code == 404
    client.force_login(admin_of(shelf["sx"]))
    assert client.get(f"/api/v1/catalog/records/{hidden.pk}").status_code == 200


def test_api_registers_sources_for_administered_libraries_only(client, shelf):
    client.force_login(admin_of(shelf["gs"]))
    payload = {"key": "sx-ils", "base_url": "http://ils.example.org/oai", "library": "330600"}
    response = client.post("/api/v1/catalog/sources", payload, content_type="application/json")
    assert response.status_code == 403
    payload["library"] = "620100"
    response = client.post("/api/v1/catalog/sources", payload, content_type="application/json")
    assert response.status_code == 201 and response.json()["library"] == "620100"
    again = client.post("/api/v1/catalog/sources", payload, content_type="application/json")
    assert again.status_code == 409


def test_api_source_fields_are_checked(client, shelf):
    client.force_login(admin_of(shelf["nlc"]))
    payload = {"key": "bad key", "base_url": "ftp://x", "metadata_prefix": "mods"}
    response = client.post("/api/v1/catalog/sources", payload, content_type="application/json")
    fields = {e["field"] for e in response.json()["errors"]}
    assert response.status_code == 400 and fields == {"key", "base_url", "metadata_prefix"}


def test_api_refuses_anonymous_source_registration(client, shelf):
    response = client.post("/api/v1/catalog/sources", {"key": "x"}, content_type="application/json")
    assert response.status_code == 401


def test_cli_search_prints_json(shelf, capsys):
    call_command("search", "圖書館", "--type", "book", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["total"] == 2 and {h["title"] for h in data["hits"]} == {"图书馆学概论", "圖書館史"}


def test_cli_reindex_rebuilds(shelf, capsys):
    call_command("reindex", "--no-progress")
    assert "4 records indexed (tantivy)" in capsys.readouterr().out


def test_cli_reindex_fills_an_empty_groonga_index_with_a_progress_bar(groonga_engine, capsys):
    net = small_network()
    record("图书馆学概论", creators=["吴慰慈"], date="1985", library=net["sx"])
    record("图书馆讲座", date="2020", type="video", library=net["lz"])
    groonga_engine.clear()
    call_command("reindex")
    captured = capsys.readouterr()
    assert "2 records indexed (groonga)" in captured.out and "reindex: 100%" in captured.err
    assert service.search(actor=None, q="图书馆").total == 2


def test_cli_marc_import_reports_bad_records(tmp_path, db, capsys):
    good = pymarc.Record(leader="00000nam a2200000 a 4500")
    good.add_field(pymarc.Field(tag="001", data="1"))
    good.add_field(
        pymarc.Field(tag="245", indicators=["0", "0"], subfields=[pymarc.Subfield("a", "Title")])
    )
    bad = pymarc.Record(leader="00000nam a2200000 a 4500")
    bad.add_field(pymarc.Field(tag="001", data="2"))
    path = tmp_path / "f.mrc"
    path.write_bytes(good.as_marc() + bad.as_marc())
    call_command("marc_import", str(path), "--source", "ils", "--no-progress")
    out = capsys.readouterr().out
    assert "1 records stored, 1 bad records" in out and "record 2:" in out
    assert Source.objects.get(key="ils").kind == "marc"


def test_cli_marc_import_names_a_missing_file(db):
    with pytest.raises(CommandError, match="path"):
        call_command("marc_import", "/nonexistent.mrc", "--source", "ils")


def test_cli_harvest_without_sources_says_what_to_do(db):
    with pytest.raises(CommandError, match="source key"):
        call_command("harvest")


def test_due_sources_include_new_interrupted_and_stale_ones(db):
    from datetime import timedelta

    from django.utils import timezone

    from shuxiang.catalog.tasks import due_sources

    now = timezone.now()
    make = lambda key, **f: Source.objects.create(key=key, name=key, kind="oai", **f)  # noqa: E731
    make("new")
    make("fresh", last_harvest_at=now - timedelta(hours=1))
    make("stale", last_harvest_at=now - timedelta(hours=30))
    make("interrupted", last_harvest_at=now - timedelta(hours=1), resumption_token="t")
    make("off", enabled=False)
    assert {s.key for s in due_sources(now)} == {"new", "stale", "interrupted"}


def test_reader_sees_their_librarys_records_on_the_page(client, shelf, committed):
    with committed():
        record("绍兴读者资料", library=shelf["sx"], access="library")
    client.force_login(user(home_library=shelf["sx"]))
    assert "绍兴读者<mark>资料</mark>" in client.get("/search", {"q": "资料"}).content.decode()


def test_openapi_document_lists_the_catalog_endpoints(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/catalog/search", "/api/v1/catalog/sources"} <= set(paths)


def test_a_search_that_finds_nothing_keeps_its_terms_for_the_zero_result_report(client, shelf):
    from shuxiang.stats import events
    from shuxiang.stats.backends import get_backend

    client.get("/search", {"q": "量子引力"})
    client.get("/api/v1/catalog/search", {"q": "量子引力"})
    client.get("/search", {"q": "图书馆"})
    events.flush()
    backend = get_backend()
    assert backend.count(kind="search", item_id="hits:0", title="量子引力") == 2
    assert backend.count(kind="search", item_id="hits:3", title="") == 1
    assert backend.count(kind="search", title="图书馆") == 0
