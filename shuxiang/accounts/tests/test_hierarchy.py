"""Hierarchical administration: staff see readers of their subtree only."""

from __future__ import annotations

import pytest

from shuxiang.accounts import staff
from shuxiang.accounts.models import StaffRole, User
from shuxiang.accounts.services import issue_api_token
from shuxiang.accounts.tests.factories import id_number, reader, staff_of, user
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import NotFound, PermissionDenied
from shuxiang.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def bearer(person) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(person, 'test')}"}


def test_provincial_admin_cannot_see_readers_of_another_province(client, net):
    gansu_reader = reader(net["yuzhong"])
    zhejiang_reader = reader(net["zhuji"])
    zj_admin = staff_of(net["zj"])
    listing = client.get("/api/v1/accounts/readers", **bearer(zj_admin)).json()
    assert [r["id"] for r in listing["results"]] == [str(zhejiang_reader.public_id)]
    for url in (
        f"/api/v1/accounts/readers/{gansu_reader.public_id}",
        f"/api/v1/accounts/readers/{gansu_reader.public_id}/personal-data",
    ):
        assert client.get(url, **bearer(zj_admin)).status_code == 404
    client.force_login(zj_admin)
    assert client.get(f"/accounts/readers/{gansu_reader.public_id}/").status_code == 404
    assert not AuditEvent.objects.filter(
        action="accounts.view_personal_data", target_id=str(gansu_reader.pk)
    ).exists()


def test_county_librarian_sees_own_library_readers_only(net):
    mine, city_level = reader(net["zhuji"]), reader(net["sx"])
    librarian = staff_of(net["zhuji"], StaffRole.Role.LIBRARIAN)
    assert list(staff.readers_visible_to(librarian)) == [mine]
    with pytest.raises(NotFound):
        staff.reader_for(librarian, city_level.public_id)


def test_national_center_sees_aggregates_but_not_personal_data(client, net):
    reader(net["zhuji"]), reader(net["yuzhong"]), reader(net["lz"])
    nlc_admin = staff_of(net["nlc"])
    stats = client.get("/api/v1/accounts/reader-stats", **bearer(nlc_admin)).json()
    assert {row["library"]: row["readers"] for row in stats} == {"330000": 1, "620000": 2}
    response = client.get(
        "/api/v1/accounts/readers", HTTP_ACCEPT_LANGUAGE="en", **bearer(nlc_admin)
    )
    assert response.status_code == 403
    assert "aggregates only" in response.json()["detail"]


def test_national_center_sees_personal_data_once_explicitly_granted(net):
    gansu_reader = reader(net["yuzhong"])
    nlc_admin = staff_of(net["nlc"])
    with pytest.raises(PermissionDenied):
        staff.readers_visible_to(nlc_admin)
    staff.grant_personal_data(nlc_admin, net["gs"], "court order 2026-17", by=SYSTEM)
    data = staff.view_personal_data(nlc_admin, gansu_reader.public_id, purpose="court order")
    assert data["id_number"]
    assert AuditEvent.objects.filter(action="accounts.grant_personal_data").exists()


def test_only_a_superuser_grants_access_to_personal_data(net):
    zj_admin = staff_of(net["zj"])
    with pytest.raises(PermissionDenied):
        staff.grant_personal_data(zj_admin, net["zj"], "curious", by=zj_admin)


def test_provincial_stats_cover_own_province_only(net):
    reader(net["zhuji"]), reader(net["yuzhong"])
    assert staff.reader_counts(staff_of(net["zj"])) == [
        {"library": "330000", "name": "330000图书馆", "readers": 1}
    ]


def test_readers_are_not_visible_to_someone_without_a_staff_role(client, net):
    response = client.get("/api/v1/accounts/readers", **bearer(user()))
    assert response.status_code == 403


def test_staff_issue_cards_in_their_subtree_only(client, net):
    person = reader(net["zhuji"])
    sx_admin = staff_of(net["sx"])
    ok = client.post(
        f"/api/v1/accounts/readers/{person.public_id}/cards",
        {"library": "330681", "number": "ZJ0009"},
        content_type="application/json",
        **bearer(sx_admin),
    )
    assert ok.status_code == 201
    assert ok.json()["reader_cards"] == [{"library": "330681", "number": "**0009"}]
    again = client.post(
        f"/api/v1/accounts/readers/{person.public_id}/cards",
        {"library": "330681", "number": "ZJ0009"},
        content_type="application/json",
        **bearer(sx_admin),
    )
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "number"
    with pytest.raises(PermissionDenied):
        staff.issue_card(person, net["yuzhong"], "YZ1", by=sx_admin)


def test_staff_record_a_real_name_checked_in_person(client, net):
    person = reader(net["zhuji"], real_name=False)
    response = client.post(
        f"/api/v1/accounts/readers/{person.public_id}/real-name",
        {"real_name": "吴九", "id_number": id_number(sequence=909)},
        content_type="application/json",
        **bearer(staff_of(net["zhuji"])),
    )
    assert response.status_code == 200
    assert response.json()["real_name_method"] == User.RealName.IN_PERSON
    assert AuditEvent.objects.filter(action="accounts.verify_in_person").count() == 1


def test_bulk_export_of_personal_data_needs_an_explicit_grant_and_is_audited(client, net):
    reader(net["zhuji"]), reader(net["yuzhong"])
    zj_admin = staff_of(net["zj"])
    url = "/api/v1/accounts/personal-data-export?library=330000&purpose=audit"
    assert client.get(url, **bearer(zj_admin)).status_code == 403
    staff.grant_personal_data(zj_admin, net["zj"], "annual audit", by=SYSTEM)
    rows = client.get(url, **bearer(zj_admin)).json()
    assert [row["home_library"] for row in rows] == ["330681"]
    assert rows[0]["id_number"] and "*" not in rows[0]["id_number"]
    event = AuditEvent.objects.get(action="accounts.export_personal_data")
    assert event.data == {"purpose": "audit", "count": 1} and event.actor == zj_admin
