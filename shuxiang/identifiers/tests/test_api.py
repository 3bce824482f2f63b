"""Identifier API: every librarian action over JSON, errors naming field and reason."""

from __future__ import annotations

import json

from django.core.files.uploadedfile import SimpleUploadedFile

from shuxiang.accounts.services import issue_api_token
from shuxiang.accounts.tests.factories import admin_of
from shuxiang.identifiers import names
from shuxiang.identifiers.models import Identifier
from shuxiang.identifiers.tests.factories import fingerprint, registered


def bearer(person) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(person, 'test')}"}


def send(client, method: str, url: str, body: dict, **headers):
    return getattr(client, method)(
        url, json.dumps(body), content_type="application/json", **headers
    )


def _register_body(**extra):
    return {
        "library": "330600",
        "location": "https://sx.example/guji/1",
        "metadata": {"title": "嘉泰会稽志"},
        "rights": "本馆所有",
        "fingerprint": fingerprint("kuaiji"),
        **extra,
    }


def test_register_then_read_it_back(client, net):
    response = send(client, "post", "/api/v1/pids", _register_body(), **bearer(admin_of(net["sx"])))
    assert response.status_code == 201, response.content
    name = response.json()["name"]
    assert names.has_valid_check(name)
    prefix, suffix = name.split("/")
    body = client.get(f"/api/v1/pids/{prefix.upper()}/{suffix.upper()}").json()
    assert body["metadata"]["title"] == "嘉泰会稽志" and body["library"] == "330600"


def test_anonymous_registration_is_401(client, net):
    assert send(client, "post", "/api/v1/pids", _register_body()).status_code == 401


def test_bad_suffix_is_400_naming_the_field(client, net):
    response = send(
        client, "post", "/api/v1/pids", _register_body(suffix="a b"), **bearer(admin_of(net["sx"]))
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "suffix"


def test_fingerprint_duplicate_is_409_pointing_at_the_existing_identifier(client, net):
    held = registered(net["hz"], fingerprint=fingerprint("kuaiji"))
    response = send(client, "post", "/api/v1/pids", _register_body(), **bearer(admin_of(net["sx"])))
    assert response.status_code == 409
    assert held.name in response.json()["errors"][0]["reason"]


def test_apply_review_and_history_over_the_api(client, net, served):
    body = _register_body(location=f"{served}/ok/1", self_built=True, own_copyright=True)
    response = send(
        client, "post", "/api/v1/pids/applications", body, **bearer(admin_of(net["sx"]))
    )
    assert response.status_code == 201, response.content
    prefix, suffix = response.json()["name"].split("/")
    reviewer = bearer(admin_of(net["zj"]))
    queue = client.get("/api/v1/pids/applications", **reviewer).json()
    assert [i["name"] for i in queue] == [f"{prefix}/{suffix}"]
    approved = send(client, "post", f"/api/v1/pids/{prefix}/{suffix}/approve", {}, **reviewer)
    assert approved.json()["status"] == "active"
    history = client.get(f"/api/v1/pids/{prefix}/{suffix}/history", **reviewer).json()
    assert [e["action"] for e in history] == ["register", "approve"]


def test_change_withdraw_and_transfer_over_the_api(client, net, served):
    identifier = registered(net["sx"])
    prefix, suffix = identifier.name.split("/")
    staff = bearer(admin_of(net["zj"]))
    url = f"/api/v1/pids/{prefix}/{suffix}"
    unreachable = send(client, "patch", url, {"location": f"{served}/gone"}, **staff)
    assert unreachable.status_code == 400
    assert unreachable.json()["errors"][0]["code"] == "unreachable"
    moved = send(client, "patch", url, {"location": f"{served}/ok/moved"}, **staff)
    assert moved.json()["location"] == f"{served}/ok/moved"
    assert send(client, "post", f"{url}/transfer", {"to": "330100"}, **staff).status_code == 200
    gone = send(client, "post", f"{url}/withdraw", {"reason": "撤销"}, **staff)
    assert gone.json()["status"] == "withdrawn"


def test_pending_identifiers_are_hidden_from_the_public(client, net, served):
    body = _register_body(location=f"{served}/ok/2", self_built=True, own_copyright=True)
    staff = bearer(admin_of(net["sx"]))
    name = send(client, "post", "/api/v1/pids/applications", body, **staff).json()["name"]
    prefix, suffix = name.split("/")
    assert client.get(f"/api/v1/pids/{prefix}/{suffix}").status_code == 404
    assert client.get(f"/api/v1/pids/{prefix}/{suffix}", **staff).status_code == 200


def test_import_upload_reports_bad_rows(client, net):
    csv = ("location,title,rights\nhttps://a.example/1,甲,本馆\nnot-a-url,乙,本馆\n").encode()
    response = client.post(
        "/api/v1/pids/import",
        {"library": "330600", "file": SimpleUploadedFile("rows.csv", csv)},
        **bearer(admin_of(net["sx"])),
    )
    assert response.status_code == 200, response.content
    report = response.json()
    assert report["created"] == 1 and report["failed"] == 1
    assert report["failures"][0] == {
        "row": 2,
        "field": "location",
        "reason": report["failures"][0]["reason"],
        "code": "invalid",
    }


def test_national_center_sets_a_prefix_and_mint_uses_it(client, net):
    nlc = bearer(admin_of(net["nlc"]))
    response = send(
        client, "put", "/api/v1/libraries/330600/pid-prefix", {"prefix": "SXLIB"}, **nlc
    )
    assert response.json() == {"library": "330600", "prefix": "sxlib", "full": "sx.sxlib"}
    minted = send(client, "post", "/api/v1/pids/mint", {"library": "330600", "count": 3}, **nlc)
    assert len(minted.json()) == 3
    assert all(n.startswith("sx.sxlib/") and names.has_valid_check(n) for n in minted.json())
    assert not Identifier.objects.exists()


def test_search_finds_by_title_and_by_name(client, net):
    identifier = registered(net["sx"], metadata={"title": "王阳明全集"})
    assert client.get("/api/v1/pids?q=阳明").json()["count"] == 1
    assert client.get(f"/api/v1/pids?q={identifier.name.upper()}").json()["count"] == 1
