"""Library network API: status codes, permissions and JSON errors naming field and reason."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from shuxiang.accounts.services import issue_api_token
from shuxiang.accounts.tests.factories import admin_of, user
from shuxiang.network.models import Library


def bearer(person) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(person, 'test')}"}


def patch(client: Client, url: str, body: dict, **headers):
    return client.patch(url, json.dumps(body), content_type="application/json", **headers)


def post(client: Client, url: str, body: dict, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def test_list_filters_by_level_and_parent(client, net):
    body = client.get("/api/v1/libraries?level=city&parent=330000").json()
    assert body["count"] == 2
    assert {r["code"] for r in body["results"]} == {"330100", "330600"}


def test_subtree_endpoint_filters_county_libraries_of_a_province(client, net):
    body = client.get("/api/v1/libraries/620000/subtree?level=county").json()
    assert [r["code"] for r in body["results"]] == ["620123"]


def test_get_unknown_library_is_404_json(client, net):
    response = client.get("/api/v1/libraries/NOPE")
    assert response.status_code == 404


def test_anonymous_write_is_401(client, net):
    response = patch(client, "/api/v1/libraries/330600", {"name": "x"})
    assert response.status_code == 401
    assert "detail" in response.json()


def test_city_admin_cannot_change_a_library_of_another_province(client, net):
    response = patch(
        client, "/api/v1/libraries/620100", {"name": "改名"}, **bearer(admin_of(net["sx"]))
    )
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert "330600图书馆" in detail and "620100图书馆" in detail
    assert Library.objects.get(code="620100").name == "620100图书馆"


def test_city_admin_changes_a_county_library_below(client, net):
    response = patch(
        client,
        "/api/v1/libraries/330681",
        {"address": "诸暨市暨阳街道", "branding": {"primary_color": "#1a5fb4"}},
        **bearer(admin_of(net["sx"])),
    )
    assert response.status_code == 200, response.content
    assert response.json()["address"] == "诸暨市暨阳街道"


def test_bad_cidr_error_names_the_field_and_reason(client, net):
    response = patch(
        client,
        "/api/v1/libraries/330681",
        {"ip_ranges": ["10.30.48.0/40"]},
        **bearer(admin_of(net["sx"])),
    )
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["field"] == "ip_ranges[0]"
    assert "10.30.48.0/40" in error["reason"]


def test_overlap_is_409_naming_the_other_library(client, net):
    response = patch(
        client,
        "/api/v1/libraries/330100",
        {"ip_ranges": ["10.30.48.0/24"]},
        **bearer(admin_of(net["zj"])),
    )
    assert response.status_code == 409
    errors = response.json()["errors"]
    assert {e["code"] for e in errors} == {"overlap"}
    assert any("330681" in e["reason"] for e in errors)


def test_schema_errors_are_json_naming_the_field(client, net):
    response = post(
        client,
        "/api/v1/libraries",
        {"code": "X1", "name": "x", "level": "city", "parent": "330000", "is_childrens": "maybe"},
        **bearer(admin_of(net["zj"])),
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "is_childrens"


def test_unknown_fields_are_refused(client, net):
    response = patch(
        client, "/api/v1/libraries/330681", {"colour": "red"}, **bearer(admin_of(net["sx"]))
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "colour"


def test_create_below_an_administered_library_is_201(client, net):
    response = post(
        client,
        "/api/v1/libraries",
        {
            "code": "330602",
            "name": "越城区图书馆",
            "level": "county",
            "parent": "330600",
            "division": "330602",
            "ip_ranges": [{"cidr": "10.30.128.0/20", "label": "越城区"}],
        },
        **bearer(admin_of(net["sx"])),
    )
    assert response.status_code == 201, response.content
    assert response.json()["ip_ranges"] == [{"cidr": "10.30.128.0/20", "label": "越城区"}]


def test_session_writes_need_the_csrf_token(net):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin_of(net["sx"]))
    response = patch(client, "/api/v1/libraries/330681", {"address": "x"})
    assert response.status_code in (401, 403)
    assert Library.objects.get(code="330681").address == ""


def test_admission_flow_over_the_api(client, net):
    applicant = bearer(user())
    response = post(
        client,
        "/api/v1/admissions",
        {"code": "330681-FQ", "name": "枫桥镇图书馆", "level": "township", "parent": "330681"},
        **applicant,
    )
    assert response.status_code == 201
    assert client.get("/api/v1/libraries/330681-FQ").status_code == 404  # not public yet
    admin = bearer(admin_of(net["zhuji"]))
    queue = client.get("/api/v1/admissions", **admin).json()
    assert queue["count"] == 1
    assert [a["library"]["code"] for a in queue["results"]] == ["330681-FQ"]
    response = post(client, "/api/v1/libraries/330681-FQ/admission/reject", {"reason": ""}, **admin)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "reason"
    response = post(client, "/api/v1/libraries/330681-FQ/admission/approve", {}, **admin)
    assert response.status_code == 200
    assert response.json()["outcome"] == "approved"
    assert client.get("/api/v1/libraries/330681-FQ").json()["status"] == "active"


def test_ip_lookup(client, net):
    assert client.get("/api/v1/network/lookup?ip=10.30.49.1").json()["code"] == "330681"
    assert client.get("/api/v1/network/lookup?ip=8.8.8.8").status_code == 404
    response = client.get("/api/v1/network/lookup?ip=not-an-ip")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "ip"


def test_openapi_document_lists_the_library_endpoints(client, db):
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert "/api/v1/libraries/{code}" in spec["paths"]
    assert "patch" in spec["paths"]["/api/v1/libraries/{code}"]


@pytest.mark.parametrize("url", ["/api/v1/divisions?parent=330600"])
def test_divisions_below_a_prefecture(client, db, url):
    codes = {d["code"] for d in client.get(url).json()}
    assert "330681" in codes and "330600" not in codes
