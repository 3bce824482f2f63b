"""The packages API: define, preview (configuration table and total size), build, export and
import below the packages folder; errors name the field; other libraries' staff are refused."""

from __future__ import annotations

import json

from shuxiang.accounts.services import issue_api_token
from shuxiang.distribution.models import ImportedPackage


def call(client, method, path, token, body=None):
    return getattr(client, method)(
        f"/api/v1{path}",
        data=json.dumps(body) if body is not None else None,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_define_preview_build_export_import(client, net, staff, central, classics):
    nlc = issue_api_token(staff["nlc_admin"], "t")
    made = call(client, "post", "/packages", nlc, {
        "library": "NLC", "code": "county-2026", "title": "县级馆资源包",
        "rule": {"collections": [central.pk], "types": ["image"]},
        "notes": {"image": "老照片"},
    })  # fmt: skip
    assert made.status_code == 201, made.content
    pk = made.json()["id"]
    preview = call(client, "get", f"/packages/{pk}/preview", nlc).json()
    assert preview["resources"] == 2 and preview["total_bytes"] > 0
    assert preview["config"][0]["category"] == "图片"
    assert preview["config"][0]["description"] == "老照片"

    built = call(client, "post", f"/packages/{pk}/versions", nlc, {})
    assert built.status_code == 201, built.content
    version = built.json()
    assert version["number"] == 1 and version["state"] == "built"
    assert version["file_count"] == 2 * 3 + 1  # each: original, metadata, DC; + package.json

    outside = call(client, "post", f"/packages/{pk}/versions/{version['id']}/export", nlc,
                   {"path": "../../etc"})  # fmt: skip
    assert outside.status_code == 400
    assert outside.json()["errors"][0]["field"] == "path"
    exported = call(client, "post", f"/packages/{pk}/versions/{version['id']}/export", nlc,
                    {"path": "outgoing"})  # fmt: skip
    assert exported.status_code == 200, exported.content
    bag = exported.json()["path"]
    checked = call(client, "post", "/packages/verify", nlc, {"path": bag})
    assert checked.json()["external_id"] == "shuxiang:NLC:county-2026"

    gansu = issue_api_token(staff["gs_admin"], "t")
    refused = call(client, "post", "/packages/import", gansu, {"path": bag, "library": "330681"})
    assert refused.status_code == 403
    assert call(client, "get", f"/packages/{pk}", gansu).status_code == 404
    imported = call(client, "post", "/packages/import", nlc, {"path": bag, "library": "330681"})
    assert imported.status_code == 200, imported.content
    assert imported.json()["created"] == 2
    assert ImportedPackage.objects.get(library=net["zhuji"]).version == 1
    holdings = call(client, "get", "/packages/imports", nlc).json()
    assert [(h["library"], h["version"]) for h in holdings] == [("330681", 1)]


def test_bad_input_names_the_field(client, net, staff):
    nlc = issue_api_token(staff["nlc_admin"], "t")
    bad = call(client, "post", "/packages", nlc, {
        "library": "NLC", "code": "空", "title": "",
        "rule": {"types": ["film"], "collections": [99999999999999999999]},
    })  # fmt: skip
    assert bad.status_code == 400
    assert {e["field"] for e in bad.json()["errors"]} == {"code", "title"}
    rule = call(client, "post", "/packages", nlc, {
        "library": "NLC", "code": "r", "title": "规则",
        "rule": {"types": ["film"], "collections": [99999999999999999999]},
    })  # fmt: skip
    assert rule.status_code == 400
    assert {e["field"] for e in rule.json()["errors"]} == {"rule.types", "rule.collections"}
    empty = call(client, "post", "/packages", nlc, {"library": "NLC", "code": "e", "title": "空包"})
    pk = empty.json()["id"]
    nothing = call(client, "post", f"/packages/{pk}/versions", nlc, {})
    assert nothing.status_code == 400
    assert nothing.json()["errors"][0]["field"] == "rule"
