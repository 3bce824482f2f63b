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


def _login_admin(client, library):
    admin = admin_of(library)
    client.login(username=admin.username, password=PASSWORD)
    return admin


def test_admin_edits_ip_ranges_and_branding_from_the_page(client, net):
    _login_admin(client, net["sx"])
    response = client.post(
        "/network/330681/edit/",
        {
            "name": "诸暨市图书馆",
            "ip_ranges": "10.30.48.0/20 诸暨市馆\n",
            "primary_color": "#1a5fb4",
            "domains": "zhuji.example.cn",
        },
    )
    assert response.status_code == 302
    zhuji = Library.objects.get(code="330681")
    assert zhuji.branding["primary_color"] == "#1a5fb4"
    assert list(zhuji.ip_ranges.values_list("label", flat=True)) == ["诸暨市馆"]
    assert list(zhuji.domains.values_list("host", flat=True)) == ["zhuji.example.cn"]


def test_edit_page_shows_the_overlap_beside_the_field_and_keeps_the_old_ranges(client, net):
    _login_admin(client, net["zj"])
    response = client.post("/network/330100/edit/", {"name": "杭州", "ip_ranges": "10.30.48.0/24"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "10.30.48.0/24" in html and "330681" in html and 'class="error"' in html
    assert not Library.objects.get(code="330100").ip_ranges.exists()


def test_admin_of_another_province_cannot_open_the_edit_page(client, net):
    _login_admin(client, net["gs"])
    assert client.get("/network/330681/edit/").status_code == 403


def test_apply_page_reports_an_unknown_division_beside_the_field(client, net):
    person = user()
    client.login(username=person.username, password=PASSWORD)
    response = client.post(
        "/network/apply/",
        {
            "code": "330681-X",
            "name": "某镇图书馆",
            "level": "township",
            "parent": "330681",
            "division": "339999",
        },
    )
    assert "339999" in response.content.decode()
    assert not Library.objects.filter(code="330681-X").exists()
    response = client.post(
        "/network/apply/",
        {
            "code": "330681-X",
            "name": "某镇图书馆",
            "level": "township",
            "parent": "330681",
            "division": "330681",
        },
    )
    assert response.status_code == 302
    assert Library.objects.get(code="330681-X").status == "applying"
