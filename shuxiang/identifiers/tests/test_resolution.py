"""Resolution at /id/<identifier>: redirect, Handle-shaped JSON, 410, 404, caching headers."""

from __future__ import annotations

from django.utils import translation

from shuxiang.accounts.tests.factories import admin_of
from shuxiang.identifiers import services
from shuxiang.identifiers.tests.factories import registered


def test_active_identifier_redirects_with_302_to_its_location(client, net):
    identifier = registered(net["sx"])
    response = client.get(f"/id/{identifier.name}")
    assert response.status_code == 302
    assert response["Location"] == identifier.location
    assert response["Cache-Control"] == "public, max-age=60"
    assert response["ETag"].startswith('"')


def test_mixed_case_input_resolves(client, net):
    identifier = registered(net["sx"])
    response = client.get(f"/id/{identifier.name.upper()}")
    assert response.status_code == 302
    assert response["Location"] == identifier.location


def test_a_changed_location_takes_effect_at_once(client, net):
    identifier = registered(net["sx"])
    services.update_location(
        identifier.name, location="https://new.example/a", by=admin_of(net["sx"])
    )
    assert client.get(f"/id/{identifier.name}")["Location"] == "https://new.example/a"


def test_json_record_is_shaped_like_the_handle_api(client, net):
    identifier = registered(
        net["sx"], metadata={"title": "越绝书", "creator": "袁康", "date": "东汉"}
    )
    services.set_mirrors(
        identifier.name, mirrors=[{"url": "https://m.example/1"}], by=admin_of(net["sx"])
    )
    body = client.get(f"/id/{identifier.name}", HTTP_ACCEPT="application/json").json()
    assert body["responseCode"] == 1
    assert body["handle"] == identifier.name
    urls = [v for v in body["values"] if v["type"] == "URL"]
    assert [(v["index"], v["data"]["value"]) for v in urls] == [
        (1, identifier.location),
        (2, "https://m.example/1"),
    ]
    for value in body["values"]:
        assert set(value) >= {"index", "type", "data", "ttl", "timestamp"}
        assert value["data"]["format"] == "string"
    kinds = {v["type"]: v["data"]["value"] for v in body["values"]}
    assert kinds["TITLE"] == "越绝书" and kinds["OWNER"] == "330600"
    assert kinds["CHECKSUM"] == f"sha256:{identifier.fingerprint}"


def test_format_query_parameter_gives_json(client, net):
    identifier = registered(net["sx"])
    response = client.get(f"/id/{identifier.name}?format=json")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")


def test_if_none_match_with_the_etag_answers_304(client, net):
    identifier = registered(net["sx"])
    etag = client.get(f"/id/{identifier.name}")["ETag"]
    response = client.get(f"/id/{identifier.name}", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    services.update_location(identifier.name, location="https://c.example/", by=admin_of(net["sx"]))
    assert client.get(f"/id/{identifier.name}", HTTP_IF_NONE_MATCH=etag).status_code == 302


def test_withdrawn_identifier_answers_410_with_a_tombstone_page(client, net):
    identifier = registered(net["sx"], metadata={"title": "旧版地方志"})
    services.withdraw(identifier.name, by=admin_of(net["sx"]), reason="版权到期")
    with translation.override("en"):
        response = client.get(f"/id/{identifier.name}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 410
    text = response.content.decode()
    assert "旧版地方志" in text and "版权到期" in text and identifier.name in text
    body = client.get(f"/id/{identifier.name}?format=json").json()
    assert body["responseCode"] == 200
    assert not [v for v in body["values"] if v["type"] == "URL"]


def test_unknown_identifier_answers_404_with_a_clear_page(client, net):
    response = client.get("/id/sx.330600/nothing-here")
    assert response.status_code == 404
    assert "sx.330600/nothing-here" in response.content.decode()
    body = client.get("/id/sx.330600/nothing-here?format=json").json()
    assert body == {
        "responseCode": 100,
        "handle": "sx.330600/nothing-here",
        "message": "Handle Not Found",
    }


def test_mistyped_minted_identifier_page_says_the_check_character_fails(client, net):
    identifier = registered(net["sx"])
    typo = identifier.name[:-2] + identifier.name[-1] + identifier.name[-2]
    if typo == identifier.name:
        typo = identifier.name[:-1] + ("b" if identifier.name[-1] != "b" else "c")
    response = client.get(f"/id/{typo}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert b"check character" in response.content


def test_pending_identifier_does_not_resolve(client, net, served):
    from shuxiang.identifiers import workflow

    pending = workflow.apply(
        library=net["sx"],
        location=f"{served}/ok/1",
        metadata={"title": "待审"},
        rights="本馆所有",
        fingerprint=None,
        by=admin_of(net["sx"]),
        self_built=True,
        own_copyright=True,
    )
    assert client.get(f"/id/{pending.name}").status_code == 404


def test_a_location_with_chinese_characters_is_stored_percent_encoded(client, net):
    identifier = registered(net["sx"], location="https://sx.example/古籍/越绝书?卷=1")
    assert identifier.location == (
        "https://sx.example/%E5%8F%A4%E7%B1%8D/%E8%B6%8A%E7%BB%9D%E4%B9%A6?%E5%8D%B7=1"
    )
    assert client.get(f"/id/{identifier.name}")["Location"] == identifier.location
