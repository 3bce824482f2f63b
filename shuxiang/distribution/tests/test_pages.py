"""The package pages: define a package choosing resources, see the configuration table and
total size, add by hand, build; other libraries' staff and readers see nothing."""

from __future__ import annotations

from shuxiang.distribution.models import Package


def test_define_choose_and_build(client, net, staff, central, classics):
    client.force_login(staff["nlc_admin"])
    made = client.post("/packages/new/", {
        "library": "NLC", "code": "county", "title": "县级馆资源包", "types": ["image"],
        "collections": [str(central.pk)], "query": "", "resources": "",
    })  # fmt: skip
    package = Package.objects.get(code="county")
    assert made.status_code == 302 and made["Location"] == f"/packages/{package.pk}/"
    page = client.get(f"/packages/{package.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = page.content.decode()
    assert "资源配置表" in html and "图片" in html and "老照片一" in html
    assert "期刊 2014" not in html
    found = client.get(f"/packages/{package.pk}/", {"q": "期刊"}).content.decode()
    assert 'name="add"' in found
    client.post(f"/packages/{package.pk}/rule/", {"add": [str(classics[2].pk)]})
    package.refresh_from_db()
    assert package.rule["resources"] == [classics[2].pk]
    assert "期刊 2014" in client.get(f"/packages/{package.pk}/").content.decode()
    client.post(f"/packages/{package.pk}/build/", {"delta_from": ""})
    version = package.versions.get()
    assert version.state == "built" and version.config.count() == 2


def test_errors_are_named_and_strangers_see_nothing(client, net, staff, central):
    client.force_login(staff["nlc_admin"])
    bad = client.post("/packages/new/", {"library": "NLC", "code": "空 格", "title": ""})
    assert bad.status_code == 200
    assert "code" in bad.content.decode() and not Package.objects.exists()
    package = Package.objects.create(library=net["nlc"], code="p", title="包")
    client.force_login(staff["gs_admin"])
    assert client.get(f"/packages/{package.pk}/").status_code == 404
    client.logout()
    assert client.get("/packages/").status_code == 302  # to the login page
