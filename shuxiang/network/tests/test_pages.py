"""Network pages: readable in Chinese by default, English on request, work without JS."""

from __future__ import annotations

from shuxiang.accounts.tests.factories import PASSWORD, admin_of, user
from shuxiang.network import services
from shuxiang.network.models import Library


def test_network_page_lists_provinces_with_counts_in_chinese(client, net):
    html = client.get("/network/").content.decode()
    assert "图书馆网络" in html and "按省份" in html
    assert '<html lang="zh-hans">' in html
    assert "330000图书馆" in html


def test_language_switch_to_english(client, net):
    client.post("/i18n/setlang/", {"language": "en", "next": "/network/"})
    html = client.get("/network/").content.decode()
    assert "Library network" in html and '<html lang="en">' in html


def test_library_page_shows_breadcrumb_ip_ranges_and_children(client, net):
    html = client.get("/network/330600/").content.decode()
    assert "330000图书馆" in html  # breadcrumb
    assert "10.30.0.0/15" in html
    assert "330681图书馆" in html


def test_unknown_library_page_is_404(client, net):
    assert client.get("/network/NOPE/").status_code == 404


def test_page_is_mobile_ready(client, net):
    html = client.get("/network/").content.decode()
    assert 'name="viewport"' in html


def test_parent_admin_approves_from_the_queue_page(client, net):
    admission = services.apply_for_admission(
        {"code": "330681-FQ", "name": "枫桥镇图书馆", "level": "township", "parent": "330681"},
        by=user(),
    )
    admin = admin_of(net["sx"])
    client.login(username=admin.username, password=PASSWORD)
    assert "枫桥镇图书馆" in client.get("/network/admissions/").content.decode()
    client.post("/network/330681-FQ/decide/", {"decision": "approve"})
    assert Library.objects.get(pk=admission.library.pk).status == "active"


def test_rejecting_without_a_reason_shows_the_error_and_changes_nothing(client, net):
    services.apply_for_admission(
        {"code": "330681-FQ", "name": "枫桥镇图书馆", "level": "township", "parent": "330681"},
        by=user(),
    )
    admin = admin_of(net["sx"])
    client.login(username=admin.username, password=PASSWORD)
    response = client.post("/network/330681-FQ/decide/", {"decision": "reject"}, follow=True)
    assert "请向申请方说明理由" in response.content.decode()
    assert Library.objects.get(code="330681-FQ").status == "applying"
