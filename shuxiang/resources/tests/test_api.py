"""Resources API: every workbench action over JSON, with field-level errors."""

from __future__ import annotations

import json

from shuxiang.accounts.services import issue_api_token
from shuxiang.accounts.tests.factories import user
from shuxiang.resources.models import Resource
from shuxiang.resources.tests.helpers import png_bytes, published


def bearer(person) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(person, 'test')}"}


def post(client, url, body=None, **headers):
    return client.post(url, json.dumps(body or {}), content_type="application/json", **headers)


def test_librarian_creates_uploads_submits_and_admin_publishes_over_the_api(
    client, staff, sx_collection
):
    librarian, admin = bearer(staff["sx_librarian"]), bearer(staff["sx_admin"])
    created = post(client, "/api/v1/resources", {
        "collection": sx_collection.pk, "type": "image", "subtype": "new_year_painting",
        "title": "门神", "titles": {"en": "Door gods"}, "extra": {"technique": "木版"},
    }, **librarian)  # fmt: skip
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("menshen.png", png_bytes("red"), content_type="image/png")
    added = client.post(f"/api/v1/resources/{pk}/files", {"files": [upload]}, **librarian)
    assert added.status_code == 200, added.content
    assert added.json()["files"][0]["filename"] == "menshen.png"
    assert post(client, f"/api/v1/resources/{pk}/submit", **librarian).status_code == 200
    assert post(client, f"/api/v1/resources/{pk}/publish", **librarian).status_code == 403
    published_now = post(client, f"/api/v1/resources/{pk}/publish", **admin)
    assert published_now.json()["status"] == "published"


def test_invalid_metadata_comes_back_as_field_errors(client, staff, sx_collection):
    response = post(client, "/api/v1/resources", {
        "collection": sx_collection.pk, "type": "web_record", "title": "公告",
        "extra": {"source_url": "ftp://x", "issuing_body": ""},
    }, **bearer(staff["sx_librarian"]))  # fmt: skip
    assert response.status_code == 400
    assert {(e["field"], e["code"]) for e in response.json()["errors"]} == {
        ("extra.source_url", "invalid"),
        ("extra.issuing_body", "required"),
    }
    assert not Resource.objects.exists()


def test_drafts_are_hidden_from_the_public_list_and_published_ones_listed(
    client, staff, sx_collection
):
    published(sx_collection, title="公开")
    from shuxiang.resources.tests.helpers import make_resource, upload

    make_resource(sx_collection, title="草稿", files=[upload("d.png", png_bytes("black"))])
    titles = [r["title"] for r in client.get("/api/v1/resources").json()["results"]]
    assert titles == ["公开"]
    mine = client.get("/api/v1/resources", **bearer(staff["sx_librarian"])).json()
    assert {r["title"] for r in mine["results"]} == {"公开", "草稿"}


def test_signed_link_endpoint_refuses_a_reader_the_policy_refuses(client, net, sx_collection):
    resource = published(sx_collection, access="library")
    item = resource.files.get(role="original")
    url = f"/api/v1/resources/{resource.pk}/files/{item.pk}/link"
    outsider = post(client, url, **bearer(user(home_library=net["lz"])))
    assert outsider.status_code == 403
    insider = post(client, url, **bearer(user(home_library=net["zhuji"])))
    link = insider.json()["url"]
    assert "link=" in link
    assert client.get(link.replace("http://testserver", "")).status_code == 200


def test_distribute_lists_the_resource_under_the_branch_library(client, staff, central, net):
    resource = published(central, title="中心资源")
    response = post(client, f"/api/v1/resources/{resource.pk}/distribute",
                    {"libraries": ["330681"]}, **bearer(staff["nlc_admin"]))  # fmt: skip
    assert response.json() == ["330681"]
    listed = client.get("/api/v1/resources?library=330681").json()["results"]
    assert [r["title"] for r in listed] == ["中心资源"]


def test_openapi_document_lists_the_resource_endpoints(client, db):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/resources", "/api/v1/resources/{pk}/publish",
                 "/api/v1/resources/{pk}/files/{file_id}/link", "/api/v1/collections"):  # fmt: skip
        assert path in paths
