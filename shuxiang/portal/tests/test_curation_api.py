"""Everything a librarian does on the curation pages can be done through the JSON API."""

from __future__ import annotations

import json

from django.test import Client

from shuxiang.accounts.services import issue_api_token
from shuxiang.core.models import AuditEvent
from shuxiang.portal.models import Column, Entry


def _client(person) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {issue_api_token(person, 'test')}")


def _send(client, method, path, body):
    return getattr(client, method)(
        f"/api/v1/{path}", json.dumps(body), content_type="application/json"
    )


def test_a_librarian_builds_and_orders_a_column_through_the_api(net, sx_librarian):
    api = _client(sx_librarian)
    created = _send(api, "post", "sites/330600/columns", {"title": "新书推荐"})
    assert created.status_code == 201
    column = created.json()
    assert column["library"] == "330600" and column["position"] == 1
    first = _send(api, "post", f"columns/{column['id']}/entries", {"title": "论语", "url": "/a/"})
    second = _send(api, "post", f"columns/{column['id']}/entries", {"title": "大学", "url": "/b/"})
    order = [second.json()["id"], first.json()["id"]]
    assert (
        _send(api, "put", f"columns/{column['id']}/entries/order", {"ids": order}).status_code
        == 204
    )
    site = Client().get("/api/v1/sites/330600").json()
    assert [e["title"] for e in site["columns"][0]["entries"]] == ["大学", "论语"]
    assert site["branding"]["accent"] == "#1a5fb4"
    assert AuditEvent.objects.filter(actor=sx_librarian, action__startswith="portal.").count() == 4


def test_the_api_refuses_curation_outside_the_librarians_libraries(net, sx_librarian):
    response = _send(_client(sx_librarian), "post", "sites/620000/columns", {"title": "x"})
    assert response.status_code == 403
    assert "620000" in response.json()["detail"]
    assert not Column.objects.exists()


def test_the_api_names_the_bad_fields_of_an_entry(net, sx_librarian):
    api = _client(sx_librarian)
    column = _send(api, "post", "sites/330600/columns", {"title": "x"}).json()
    response = _send(
        api,
        "post",
        f"columns/{column['id']}/entries",
        {"title": "", "url": "javascript:alert(1)", "reference": "two words"},
    )
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"title", "url", "reference"}
    assert not Entry.objects.exists()


def test_a_topic_is_scheduled_through_the_api_and_hidden_until_then(net, sx_librarian, client):
    api = _client(sx_librarian)
    topic = _send(
        api,
        "post",
        "sites/330600/topics",
        {"title": "春节专题", "publish_from": "2099-01-20T00:00:00+08:00"},
    ).json()
    assert Client().get("/api/v1/sites/330600").json()["topics"] == []
    assert client.get(f"/s/330600/topics/{topic['id']}/").status_code == 404
    _send(api, "patch", f"topics/{topic['id']}", {"publish_from": None})
    assert client.get(f"/s/330600/topics/{topic['id']}/").status_code == 200


def test_a_topic_of_one_province_is_not_shown_on_another(net, sx_librarian, client):
    topic = _send(_client(sx_librarian), "post", "sites/330600/topics", {"title": "越剧"}).json()
    assert client.get(f"/s/620100/topics/{topic['id']}/").status_code == 404


def test_portal_routes_do_not_shadow_other_apps_paths(client, net):
    # /api/v1/resources/5 belongs to the resources app: it asks for a login, the portal's
    # generic /<things>/{pk} routes would have answered 404 or 405 instead.
    response = client.patch("/api/v1/resources/5", "{}", content_type="application/json")
    assert response.status_code == 401
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    assert "resources" in paths["/api/v1/resources/{pk}"]["patch"]["tags"]
    assert "/api/v1/columns/{pk}" in paths and "/api/v1/topics/{pk}/entries" in paths
