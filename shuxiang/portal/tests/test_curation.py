"""Librarians curate their site's columns, topics and entries; the center distributes down."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from shuxiang.accounts.tests.factories import PASSWORD, admin_of, user
from shuxiang.core.errors import PermissionDenied, ValidationFailed
from shuxiang.core.models import AuditEvent
from shuxiang.portal import queries, services
from shuxiang.portal.models import Column, Entry


def _column(library, by, title="新书推荐", **fields):
    return services.create_shelf(library, "column", {"title": title, **fields}, by=by)


def test_a_librarian_creates_a_column_on_their_site_and_it_is_audited(net, sx_librarian):
    column = _column(net["sx"], sx_librarian)
    assert column.position == 1 and column.created_by == sx_librarian
    event = AuditEvent.objects.get(action="portal.create_column")
    assert event.actor == sx_librarian and event.data["library"] == "330600"


def test_a_librarian_of_a_city_may_curate_the_counties_below_it(net, sx_librarian):
    assert _column(net["zhuji"], sx_librarian).library == net["zhuji"]


def test_a_librarian_may_not_curate_another_branch(net, sx_librarian):
    with pytest.raises(PermissionDenied, match="330100"):
        _column(net["hz"], sx_librarian)
    assert not Column.objects.exists()


def test_a_reader_without_a_staff_role_may_not_curate(net, reader):
    with pytest.raises(PermissionDenied):
        _column(net["sx"], reader)


def test_bad_column_input_names_each_field_and_reason(net, nlc_admin):
    with pytest.raises(ValidationFailed) as caught:
        services.create_shelf(
            net["nlc"],
            "column",
            {"title": " ", "distributed": "yes", "publish_from": "soon", "colour": 1},
            by=nlc_admin,
        )
    fields = {e.field: e.code for e in caught.value.errors}
    assert fields == {
        "title": "required",
        "distributed": "invalid",
        "publish_from": "invalid",
        "colour": "unknown_field",
    }


def test_a_publication_window_must_end_after_it_starts(net, nlc_admin):
    now = timezone.now()
    with pytest.raises(ValidationFailed) as caught:
        _column(net["nlc"], nlc_admin, publish_from=now, publish_until=now - timedelta(days=1))
    assert caught.value.errors[0].field == "publish_until"


def test_entry_links_must_be_site_paths_or_web_addresses(net, nlc_admin):
    column = _column(net["nlc"], nlc_admin)
    for bad in ("javascript:alert(1)", "//evil.example/x", "ftp://x"):
        with pytest.raises(ValidationFailed) as caught:
            services.add_entry(column, {"title": "x", "url": bad}, by=nlc_admin)
        assert caught.value.errors[0].field == "url"
    entry = services.add_entry(
        column,
        {"title": "论语", "url": "/read/demo:lunyu/", "reference": "resource:42"},
        by=nlc_admin,
    )
    assert entry.reference == "resource:42"


def test_scheduled_columns_and_entries_show_only_inside_their_window(net, nlc_admin):
    now = timezone.now()
    live = _column(net["nlc"], nlc_admin, title="now")
    _column(net["nlc"], nlc_admin, title="later", publish_from=now + timedelta(days=1))
    _column(net["nlc"], nlc_admin, title="over", publish_until=now - timedelta(seconds=1))
    services.add_entry(live, {"title": "a", "url": "/a/"}, by=nlc_admin)
    services.add_entry(
        live, {"title": "b", "url": "/b/", "publish_from": now + timedelta(hours=1)}, by=nlc_admin
    )
    shown = queries.site_columns(net["nlc"])
    assert [c.title for c in shown] == ["now"]
    assert [e.title for e in shown[0].live_entries] == ["a"]
    tomorrow = queries.site_columns(net["nlc"], at=now + timedelta(days=2))
    assert [c.title for c in tomorrow] == ["now", "later"]


def test_a_distributed_column_shows_on_every_site_below_but_not_elsewhere(net, nlc_admin):
    zj_admin = admin_of(net["zj"])
    _column(net["zj"], zj_admin, title="浙江推荐", distributed=True)
    _column(net["zj"], zj_admin, title="省馆自用")
    _column(net["zhuji"], zj_admin, title="诸暨本地")
    assert [c.title for c in queries.site_columns(net["zhuji"])] == ["诸暨本地", "浙江推荐"]
    assert [c.title for c in queries.site_columns(net["zj"])] == ["浙江推荐", "省馆自用"]
    assert queries.site_columns(net["yuzhong"]) == []


def test_columns_are_ordered_and_reordered_by_their_curators(net, nlc_admin):
    a, b, c = (_column(net["nlc"], nlc_admin, title=t) for t in "abc")
    services.move_shelf(c, -1, by=nlc_admin)
    assert [x.title for x in queries.site_columns(net["nlc"])] == ["a", "c", "b"]
    services.reorder_shelves(net["nlc"], "column", [b.pk, a.pk, c.pk], by=nlc_admin)
    assert [x.title for x in queries.site_columns(net["nlc"])] == ["b", "a", "c"]
    with pytest.raises(ValidationFailed) as caught:
        services.reorder_shelves(net["nlc"], "column", [b.pk, a.pk], by=nlc_admin)
    assert caught.value.errors[0].field == "ids"


def test_entries_are_moved_within_their_column(net, nlc_admin):
    column = _column(net["nlc"], nlc_admin)
    first, second = (
        services.add_entry(column, {"title": t, "url": f"/{t}/"}, by=nlc_admin) for t in "xy"
    )
    services.move_entry(second, -1, by=nlc_admin)
    assert list(Entry.objects.filter(column=column).values_list("title", flat=True)) == ["y", "x"]


def test_the_home_page_shows_the_sites_columns_and_the_distributed_ones(client, net, nlc_admin):
    column = _column(net["nlc"], nlc_admin, title="经典导读", distributed=True)
    services.add_entry(column, {"title": "论语", "url": "/read/demo:lunyu/"}, by=nlc_admin)
    page = client.get("/s/330681/").content.decode()
    assert "经典导读" in page
    assert 'href="/s/330681/read/demo:lunyu/"' in page


def test_the_curation_page_shows_a_bad_link_beside_its_field(client, net, sx_librarian):
    column = _column(net["sx"], sx_librarian)
    client.login(username="sx-librarian", password=PASSWORD)
    response = client.post(
        f"/s/330600/curate/column/{column.pk}/",
        {"add_entry": "1", "new-title": "x", "new-url": "javascript:void(0)"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    field = page.split('for="id_new-url"')[1].split('class="field')[0]
    assert 'class="error"' in field
    assert not Entry.objects.exists()


def test_a_librarian_creates_schedules_and_orders_through_the_pages(client, net, sx_librarian):
    client.login(username="sx-librarian", password=PASSWORD)
    response = client.post(
        "/s/330600/curate/new/column/",
        {"save_shelf": "1", "title": "新书", "publish_from": "2030-01-01T08:00"},
    )
    column = Column.objects.get(title="新书")
    assert response.status_code == 302 and column.library == net["sx"]
    assert timezone.localtime(column.publish_from).hour == 8
    _column(net["sx"], sx_librarian, title="second")
    client.post(f"/s/330600/curate/column/{column.pk}/action/", {"action": "down"})
    assert list(Column.objects.order_by("position").values_list("title", flat=True)) == [
        "second",
        "新书",
    ]


def test_the_curation_pages_are_closed_to_other_libraries_staff(client, net, sx_librarian):
    outsider = user("outsider")
    admin_of(net["gs"], "gs-admin")
    client.login(username=outsider.username, password=PASSWORD)
    assert client.get("/s/330600/curate/").status_code == 403
    client.login(username="gs-admin", password=PASSWORD)
    assert client.get("/s/330600/curate/").status_code == 403
    client.login(username="sx-librarian", password=PASSWORD)
    assert client.get("/s/330600/curate/").status_code == 200


def test_a_curation_change_shows_on_the_cached_home_page_at_once(client, net, nlc_admin):
    column = _column(net["nlc"], nlc_admin, title="旧标题")
    assert "旧标题" in client.get("/").content.decode()
    services.update_shelf(column, {"title": "新标题"}, by=nlc_admin)
    page = client.get("/").content.decode()
    assert "新标题" in page and "旧标题" not in page


@pytest.mark.parametrize(
    "embed",
    [
        "https://evil.example/",
        "//evil.example/x",
        "courses/embed/",
        "/课程/",
        "/a b/",
        "/" + "x" * 300,
    ],
)
def test_a_framed_page_is_only_a_path_of_this_node(net, sx_librarian, embed):
    with pytest.raises(ValidationFailed) as caught:
        _column(net["sx"], sx_librarian, embed=embed)
    assert [e.field for e in caught.value.errors] == ["embed"]


def test_a_column_frames_a_page_of_this_node_under_its_list(client, net, sx_librarian):
    _column(net["sx"], sx_librarian, title="公开课", embed="/courses/embed/330600/")
    page = client.get("/s/330600/").content.decode()
    assert '<iframe class="embedded" src="/courses/embed/330600/" title="公开课"' in page
    embedded = client.get("/courses/embed/330600/")
    assert embedded.status_code == 200 and "X-Frame-Options" not in embedded
