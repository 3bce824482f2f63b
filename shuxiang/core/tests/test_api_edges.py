"""API edges: paging bounds, file encodings, over-size bodies and the error shape everywhere."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shuxiang.accounts.services import issue_api_token
from shuxiang.accounts.tests.factories import admin_of, staff_of
from shuxiang.identifiers.models import Identifier
from shuxiang.network.tests.factories import small_network

HUGE = "9223372036854775807"
LISTS = ["/api/v1/libraries", "/api/v1/libraries/NLC/subtree", "/api/v1/resources", "/api/v1/pids"]
LISTS += ["/api/v1/collections"]


@pytest.fixture
def net(db):
    return small_network()


def bearer(person) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(person, 'test')}"}


def field_errors(response) -> dict[str, str]:
    assert response["Content-Type"].startswith("application/json"), response.content
    body = response.json()
    assert set(body) == {"detail", "errors"} and body["detail"]
    return {e["field"]: e["code"] for e in body["errors"]}


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize(
    "query, field",
    [(f"page={HUGE}", "page"), ("page=0", "page"), ("page_size=0", "page_size"),
     ("page_size=201", "page_size"), (f"page_size={HUGE}", "page_size")],
)  # fmt: skip
def test_list_endpoints_refuse_pages_out_of_bounds_naming_the_field(client, net, url, query, field):
    response = client.get(f"{url}?{query}")
    assert response.status_code == 400
    assert field in field_errors(response)


def test_staff_reader_list_has_the_same_bounds(client, net):
    staff = bearer(admin_of(net["nlc"]))
    response = client.get(f"/api/v1/accounts/readers?page={HUGE}", **staff)
    assert response.status_code == 400 and "page" in field_errors(response)


@pytest.mark.parametrize("query, field", [(f"page={HUGE}", "page"), ("page_size=201", "page_size")])
def test_admission_queue_has_the_same_bounds(client, net, query, field):
    staff = bearer(admin_of(net["nlc"]))
    response = client.get(f"/api/v1/admissions?{query}", **staff)
    assert response.status_code == 400 and field in field_errors(response)


def test_collections_and_admissions_come_in_bounded_pages(client, net):
    from shuxiang.network import services
    from shuxiang.resources.models import Collection

    for n in range(3):
        Collection.objects.create(library=net["zhuji"], code=f"c{n}", name=f"专题库{n}")
        applicant = {"code": f"330681-T{n}", "name": f"镇图书馆{n}", "level": "township"}
        services.apply_for_admission({**applicant, "parent": "330681"}, by=staff_of(net["zhuji"]))
    body = client.get("/api/v1/collections?library=330681&page=2&page_size=2").json()
    assert body["count"] == 3 and [c["code"] for c in body["results"]] == ["c2"]
    staff = bearer(admin_of(net["zhuji"]))
    body = client.get("/api/v1/admissions?page_size=2", **staff).json()
    assert body["count"] == 3 and len(body["results"]) == 2


def test_the_last_allowed_page_answers_empty(client, net):
    body = client.get("/api/v1/libraries?page=100000&page_size=200").json()
    assert body["results"] == [] and body["count"] == 8


def _import(client, net, content: bytes, name: str = "rows.csv"):
    return client.post(
        "/api/v1/pids/import",
        {"library": "330600", "file": SimpleUploadedFile(name, content)},
        **bearer(admin_of(net["sx"])),
    )


def test_identifier_import_reads_gb18030_files(client, net):
    rows = "location,title,rights\nhttps://a.example/1,嘉泰会稽志,本馆所有\n"
    response = _import(client, net, rows.encode("gb18030"))
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 1
    assert Identifier.objects.get().metadata["title"] == "嘉泰会稽志"


def test_identifier_import_of_undecodable_bytes_is_a_field_error(client, net):
    content = b"location,title,rights\nhttps://a.example/1,\xff\xfe\x80,x\n"
    response = _import(client, net, content)
    assert response.status_code == 400
    assert field_errors(response) == {"file": "encoding"}
    assert "42" in response.json()["detail"]  # the offset of the first undecodable byte
    assert not Identifier.objects.exists()


def test_client_registration_with_an_empty_library_is_a_field_error(client, net):
    response = client.post(
        "/api/v1/accounts/clients",
        json.dumps({"library": "", "name": "ILS", "redirect_uris": ["https://ils.example/cb"]}),
        content_type="application/json",
        **bearer(staff_of(net["sx"])),
    )
    assert response.status_code == 400
    assert field_errors(response) == {"library": "required"}


def test_an_over_size_body_is_413_in_the_json_shape(client, net, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = client.post(
        "/api/v1/libraries",
        json.dumps({"code": "X", "name": "书" * 2000}),
        content_type="application/json",
        **bearer(admin_of(net["nlc"])),
    )
    assert response.status_code == 413
    assert field_errors(response) == {"body": "too_large"}


@pytest.mark.parametrize(
    "method, url",
    [("get", "/api/v1/no-such-thing"), ("delete", "/api/v1/libraries"), ("put", "/api/v1/search")],
)
def test_errors_outside_the_operations_keep_the_json_shape(client, db, method, url):
    response = getattr(client, method)(url)
    assert response.status_code in (404, 405)
    assert field_errors(response) == {}


def test_numbers_in_fields_are_ascii_digits(client, net):
    for value in ("１", "²", "٣"):
        response = client.get("/api/v1/libraries", {"page": value})
        assert response.status_code == 400 and "page" in field_errors(response)


def test_openapi_lists_error_responses_and_paging_bounds(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    operations = [
        (path, method, op) for path, ops in spec["paths"].items() for method, op in ops.items()
    ]
    for path, method, op in operations:
        codes = set(op["responses"])
        if op.get("security"):
            assert {"401", "403"} <= codes, (method, path)
        if op.get("requestBody"):
            assert {"400", "413"} <= codes, (method, path)
        if "{" in path:
            assert "404" in codes, (method, path)
        for code in codes - {"200", "201", "202", "204"}:
            ref = op["responses"][code]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/ErrorOut", (method, path, code)
    paging = {
        p["name"]: p["schema"]
        for p in spec["paths"]["/api/v1/libraries"]["get"]["parameters"]
        if p["name"] in ("page", "page_size")
    }
    assert paging["page"]["minimum"] == 1 and paging["page"]["maximum"] == 100_000
    assert paging["page_size"]["minimum"] == 1 and paging["page_size"]["maximum"] == 200
    shape = spec["components"]["schemas"]["FieldErrorOut"]
    assert set(shape["required"]) == {"field", "reason", "code"}


def test_nul_characters_are_refused_naming_the_field(client, net):
    staff = bearer(admin_of(net["nlc"]))
    query = client.get("/api/v1/libraries", {"q": "国\x00家"})
    assert query.status_code == 400 and field_errors(query) == {"q": "nul"}
    path = client.get("/api/v1/libraries/N%00LC")
    assert path.status_code == 400 and field_errors(path) == {"path": "nul"}
    body = {"library": "NLC", "code": "c\x00", "name": "古籍", "kind": "special"}
    created = client.post(
        "/api/v1/collections", json.dumps(body), content_type="application/json", **staff
    )
    assert created.status_code == 400 and field_errors(created) == {"code": "nul"}


def test_malformed_bodies_keep_the_json_shape(client, net):
    staff = bearer(admin_of(net["nlc"]))
    broken = client.post(
        "/api/v1/collections", '{"library":', content_type="application/json", **staff
    )
    assert broken.status_code == 400 and field_errors(broken) == {"body": "malformed"}
    multipart = client.post(
        "/api/v1/pids/import", b"x", content_type="multipart/form-data", **staff
    )
    assert multipart.status_code == 400 and field_errors(multipart) == {"body": "invalid"}


def test_search_refuses_a_year_facet_that_is_not_digits(client, db):
    for year in ("AAA", "²", "２０２０"):
        response = client.get("/api/v1/catalog/search", {"year": year})
        assert response.status_code == 400 and "year" in field_errors(response)


def test_indicator_year_out_of_range_is_a_field_error(client, net):
    staff = bearer(admin_of(net["nlc"]))
    response = client.get("/api/v1/stats/NLC/indicators?year=-3925", **staff)
    assert response.status_code == 400 and field_errors(response) == {"year": "greater_than_equal"}


def test_every_api_schema_has_its_own_name():
    """The OpenAPI document keys shapes by class name: two alike would document one wrongly."""
    from ninja import Schema

    import shuxiang.api  # noqa: F401  (imports every app's schemas)

    seen: dict[str, str] = {}
    pending = list(Schema.__subclasses__())
    while pending:
        shape = pending.pop()
        pending += shape.__subclasses__()
        if not shape.__module__.startswith("shuxiang.") or ".tests." in shape.__module__:
            continue
        where = f"{shape.__module__}.{shape.__qualname__}"
        assert seen.setdefault(shape.__name__, where) == where, (seen[shape.__name__], where)


def test_ascii_int_reads_only_plain_digits():
    from shuxiang.core.http import ascii_int

    assert ascii_int("0042") == 42 and ascii_int("9" * 18) == 10**18 - 1
    for text in ("²", "１２", "١٢", "", " 1", "-1", "1e3", "9" * 19, None):
        assert ascii_int(text) is None, text


@pytest.mark.parametrize("key", ["resource:²", "resource:１", "resource:٣"])
def test_reader_pages_treat_unicode_digits_as_no_such_item(client, db, key):
    assert client.get(f"/read/{key}/").status_code == 404


def test_search_year_bounds_are_field_errors(client, db):
    for name in ("year_from", "year_to"):
        response = client.get("/api/v1/catalog/search", {name: "99999999999999999999"})
        assert response.status_code == 400 and name in field_errors(response)


def test_objects_not_found_keep_the_json_shape(client, db):
    response = client.get("/api/v1/resources/99999999999999999999")
    assert response.status_code == 404 and field_errors(response) == {}
