"""The proxy API: definitions, pauses and usage, scoped to the staff's libraries."""

from __future__ import annotations

import pytest
from django.test import Client

from shuxiang.accounts.services import issue_api_token
from shuxiang.accounts.tests.factories import admin_of, reader, staff_of
from shuxiang.core.actors import SYSTEM
from shuxiang.proxy import services
from shuxiang.proxy.stanzas import Origin

STANZA = (
    "Title 期刊库 Vendor\nURL https://journals.example.org/\nHJ journals.example.org\nXyzzy 1\n"
)


def _client(person) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(person, 'test')}")


@pytest.fixture
def zj(net):
    return _client(admin_of(net["zj"]))


def test_staff_import_list_and_change_definitions(net, zj):
    response = zj.post(
        "/api/v1/proxy/definitions",
        {"library": "330000", "stanzas": STANZA},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["created"] == ["期刊库 Vendor"]
    assert body["notices"][0]["line"] == 4 and body["notices"][0]["directive"] == "xyzzy"
    [row] = zj.get("/api/v1/proxy/vendors").json()
    assert row["library"] == "330000" and "https://journals.example.org" in row["hosts"]
    change = {
        "item_patterns": [r"^/article/\d+"],
        "pdf_limit_per_hour": 5,
        "egress_address": "127.0.0.2",
        "handoff_url": "https://journals.example.org/sso",
        "handoff_secret": "k" * 40,
    }
    response = zj.patch(f"/api/v1/proxy/vendors/{row['id']}", change, "application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["pdf_limit_per_hour"] == 5 and body["handoff_configured"] is True
    assert "handoff_secret" not in body
    cleared = zj.patch(
        f"/api/v1/proxy/vendors/{row['id']}", {"egress_address": None}, "application/json"
    )
    assert cleared.json()["egress_address"] is None and cleared.json()["item_patterns"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"search_patterns": ["(unclosed"]}, "search_patterns.0"),
        ({"egress_address": "not-an-address"}, "egress_address"),
        ({"handoff_url": "ftp://x", "handoff_secret": "k" * 40}, "handoff_url"),
        ({"handoff_url": "https://x.org/sso", "handoff_secret": "short"}, "handoff_secret"),
        ({"pdf_limit_per_hour": 0}, "pdf_limit_per_hour"),
        ({"egress_address": "fe80::1%eth0"}, "egress_address"),
    ],
)
def test_bad_changes_are_refused_naming_the_field(net, zj, change, field):
    services.import_stanzas(STANZA, net["zj"], by=SYSTEM)
    pk = zj.get("/api/v1/proxy/vendors").json()[0]["id"]
    response = zj.patch(f"/api/v1/proxy/vendors/{pk}", change, "application/json")
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == [field]


def test_other_provinces_and_readers_see_nothing(net):
    services.import_stanzas(STANZA, net["zj"], by=SYSTEM)
    pk = services.vendor_for(Origin("https", "journals.example.org")).pk
    gs = _client(admin_of(net["gs"]))
    assert gs.get("/api/v1/proxy/vendors").json() == []
    assert gs.get(f"/api/v1/proxy/vendors/{pk}").status_code == 404
    refused = gs.post(
        "/api/v1/proxy/definitions", {"library": "330000", "stanzas": STANZA}, "application/json"
    )
    assert refused.status_code == 403
    assert _client(reader(net["zj"])).get("/api/v1/proxy/pauses").json() == []
    assert Client().get("/api/v1/proxy/usage").status_code == 401
    unknown = _client(admin_of(net["zj"])).post(
        "/api/v1/proxy/definitions", {"library": "999999", "stanzas": STANZA}, "application/json"
    )
    assert unknown.status_code == 404 and unknown.json()["errors"][0]["field"] == "library"


def test_pauses_are_listed_and_lifted_and_usage_is_summed_by_hour(net, zj, monkeypatch):
    monkeypatch.setenv("SHUXIANG_PROXY_PDF_LIMIT_PER_HOUR", "1")
    services.import_stanzas(STANZA, net["zj"], by=SYSTEM)
    vendor = services.vendor_for(Origin("https", "journals.example.org"))
    person = reader(net["zhuji"])
    services.count(person, vendor, "pdf", 1000, "/a.pdf")
    services.count(person, vendor, "pdf", 3000, "/b.pdf")
    services.count(reader(net["zj"]), vendor, "html", 10, "/")
    [pause] = zj.get("/api/v1/proxy/pauses").json()
    assert pause["reader"] == person.username and pause["evidence"]["last_path"] == "/b.pdf"
    usage = {row["kind"]: row for row in zj.get("/api/v1/proxy/usage?hours=2").json()}
    assert usage["pdf"]["count"] == 2 and usage["pdf"]["bytes"] == 4000
    assert usage["pdf"]["readers"] == 1 and usage["html"]["count"] == 1
    librarian = _client(staff_of(net["zj"], role="librarian"))
    assert librarian.post(f"/api/v1/proxy/pauses/{pause['id']}/lift").status_code == 403
    lifted = zj.post(f"/api/v1/proxy/pauses/{pause['id']}/lift")
    assert lifted.status_code == 200 and lifted.json()["lifted_at"]
    assert zj.get("/api/v1/proxy/pauses").json() == []
    assert zj.post("/api/v1/proxy/pauses/99999/lift").status_code == 404
    assert zj.get("/api/v1/proxy/usage?hours=0").status_code == 400


def test_an_empty_egress_clears_it_and_an_overlong_url_is_refused_by_name(net, zj):
    services.import_stanzas(STANZA, net["zj"], by=SYSTEM)
    pk = zj.get("/api/v1/proxy/vendors").json()[0]["id"]
    response = zj.patch(f"/api/v1/proxy/vendors/{pk}", {"egress_address": ""}, "application/json")
    assert response.status_code == 200 and response.json()["egress_address"] is None
    long = "Title Long\nURL https://x.org/" + "a" * 2000 + "\n"
    response = zj.post(
        "/api/v1/proxy/definitions", {"library": "330000", "stanzas": long}, "application/json"
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "stanzas"
