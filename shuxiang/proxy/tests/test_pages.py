"""Staff pages: edit a definition, lift a pause, check the gateway's DNS and certificate."""

from __future__ import annotations

from shuxiang.accounts.tests.factories import admin_of, reader
from shuxiang.core.actors import SYSTEM
from shuxiang.proxy import services
from shuxiang.proxy.models import ReaderPause, VendorDefinition

STANZA = "Title 期刊库 Vendor\nURL https://journals.example.org/\nHJ journals.example.org\n"


def _vendor(net) -> VendorDefinition:
    services.import_stanzas(STANZA, net["zj"], by=SYSTEM)
    return VendorDefinition.objects.get()


def test_staff_edit_patterns_limit_and_handoff_and_errors_show_beside_the_field(client, net):
    vendor = _vendor(net)
    client.force_login(admin_of(net["zj"]))
    form = {
        "enabled": "on",
        "search_patterns": "^/search\\?\n\n",
        "item_patterns": "(broken",
        "pdf_limit_per_hour": "20",
    }
    response = client.post(f"/proxy/vendors/{vendor.pk}/", form)
    assert response.status_code == 400
    assert 'class="field has-error"' in response.content.decode()
    form["item_patterns"] = "^/article/\\d+$"
    form["handoff_url"] = "https://journals.example.org/sso"
    form["handoff_secret"] = "s" * 40
    response = client.post(f"/proxy/vendors/{vendor.pk}/", form)
    assert response.status_code == 302
    vendor.refresh_from_db()
    assert vendor.search_patterns == ["^/search\\?"] and vendor.pdf_limit_per_hour == 20
    assert vendor.handoff_secret == "s" * 40
    form.pop("handoff_secret")  # an empty key keeps the current one
    client.post(f"/proxy/vendors/{vendor.pk}/", form)
    vendor.refresh_from_db()
    assert vendor.handoff_secret == "s" * 40
    page = client.get("/proxy/vendors/").content.decode()
    assert f"/proxy/vendors/{vendor.pk}/" in page


def test_staff_lift_a_pause_from_the_page_others_cannot(client, net):
    vendor = _vendor(net)
    pause = services.pause(reader(net["zhuji"]), vendor, 5, 4, "/x.pdf")
    client.force_login(admin_of(net["gs"]))
    assert client.post(f"/proxy/pauses/{pause.pk}/lift").status_code == 404
    client.force_login(admin_of(net["zj"]))
    assert f"/proxy/pauses/{pause.pk}/lift" in client.get("/proxy/vendors/").content.decode()
    assert client.post(f"/proxy/pauses/{pause.pk}/lift").status_code == 302
    assert ReaderPause.objects.get().lifted_at is not None


def test_the_configuration_page_explains_what_is_missing(client, net, monkeypatch):
    client.force_login(admin_of(net["zj"]))
    off = client.get("/proxy/configuration/").content.decode()
    assert "SHUXIANG_PROXY_DOMAIN" in off
    monkeypatch.setenv("SHUXIANG_PROXY_DOMAIN", "proxy.invalid")
    page = client.get("/proxy/configuration/").content.decode()
    assert "*.proxy.invalid" in page and "sxcheck-" in page
    client.force_login(reader(net["zj"]))
    assert client.get("/proxy/configuration/").status_code == 403
