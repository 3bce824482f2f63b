"""The demo identifiers resolve; the librarian pages work for staff and refuse others."""

from __future__ import annotations

from shuxiang.accounts.tests.factories import PASSWORD, admin_of
from shuxiang.identifiers.demo import load_demo_identifiers
from shuxiang.identifiers.models import Identifier
from shuxiang.identifiers.tests.factories import registered


def test_demo_identifiers_redirect_to_library_pages_and_reload_adds_nothing(client, net):
    first = load_demo_identifiers()
    assert "sx.330600/library-page" in first
    response = client.get("/id/SX.330600/Library-Page")
    assert response.status_code == 302
    assert response["Location"].endswith("/network/330600/")
    assert client.get("/id/sx.330000/old-portal").status_code == 410
    count = Identifier.objects.count()
    assert load_demo_identifiers() == first
    assert Identifier.objects.count() == count


def _login(client, person):
    assert client.login(username=person.username, password=PASSWORD)


def test_search_page_finds_an_identifier_by_title(client, net):
    registered(net["sx"], metadata={"title": "鲁迅故里"})
    response = client.get("/identifiers/?q=鲁迅")
    assert response.status_code == 200
    assert "鲁迅故里" in response.content.decode()


def test_apply_page_stores_an_application_and_shows_field_errors(client, net, served):
    _login(client, admin_of(net["sx"]))
    bad = client.post(
        "/identifiers/apply/",
        {"library": "330600", "location": "nope", "title": "t", "rights": "r"},
    )
    assert bad.status_code == 200
    assert not Identifier.objects.exists()
    good = client.post(
        "/identifiers/apply/",
        {
            "library": "330600",
            "location": f"{served}/ok/x",
            "title": "绍兴戏曲",
            "rights": "本馆所有",
            "self_built": "on",
            "own_copyright": "on",
        },
    )
    assert good.status_code == 302
    assert Identifier.objects.get().status == "pending"


def test_review_queue_lists_applications_below_and_decides_them(client, net, served):
    from shuxiang.identifiers import workflow

    pending = workflow.apply(
        library=net["sx"],
        location=f"{served}/ok/y",
        metadata={"title": "越剧"},
        rights="本馆所有",
        fingerprint=None,
        by=admin_of(net["sx"]),
        self_built=True,
        own_copyright=True,
    )
    _login(client, admin_of(net["zj"]))
    page = client.get("/identifiers/review/")
    assert pending.name in page.content.decode()
    client.post("/identifiers/review/decide/", {"name": pending.name, "decision": "approve"})
    pending.refresh_from_db()
    assert pending.status == "active"


def test_review_by_someone_outside_the_scope_changes_nothing(client, net, served):
    from shuxiang.identifiers import workflow

    pending = workflow.apply(
        library=net["sx"],
        location=f"{served}/ok/z",
        metadata={"title": "社戏"},
        rights="本馆所有",
        fingerprint=None,
        by=admin_of(net["sx"]),
        self_built=True,
        own_copyright=True,
    )
    _login(client, admin_of(net["gs"]))
    client.post("/identifiers/review/decide/", {"name": pending.name, "decision": "approve"})
    pending.refresh_from_db()
    assert pending.status == "pending"


def test_my_identifiers_and_detail_history_for_staff(client, net):
    identifier = registered(net["sx"], metadata={"title": "兰亭"})
    staff = admin_of(net["sx"])
    _login(client, staff)
    assert identifier.name in client.get("/identifiers/mine/").content.decode()
    detail = client.get(f"/identifiers/record/{identifier.name}").content.decode()
    assert "兰亭" in detail and "register" in detail


def test_pages_need_a_login(client, net):
    assert client.get("/identifiers/mine/").status_code == 302
    assert client.get("/identifiers/apply/").status_code == 302


def test_staff_change_the_location_from_the_record_page(client, net, served):
    identifier = registered(net["sx"])
    _login(client, admin_of(net["sx"]))
    client.post(
        "/identifiers/maintain/",
        {"name": identifier.name, "action": "location", "location": f"{served}/ok/new"},
    )
    identifier.refresh_from_db()
    assert identifier.location == f"{served}/ok/new"
    client.post("/identifiers/maintain/", {"name": identifier.name, "action": "withdraw"})
    identifier.refresh_from_db()
    assert identifier.status == "active"  # no reason given: refused, nothing changed
