"""Privacy: masked everywhere, audited staff views, download and erase."""

from __future__ import annotations

import json

import pytest
from django.core import checks
from django.test import Client, override_settings

from shuxiang.accounts import pii, privacy, staff
from shuxiang.accounts.checks import pii_key_is_set
from shuxiang.accounts.models import ReaderCard, User
from shuxiang.accounts.services import issue_api_token
from shuxiang.accounts.tests.factories import READER_PASSWORD, id_number, reader, staff_of
from shuxiang.core.errors import PermissionDenied, ValidationFailed
from shuxiang.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def bearer(person) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(person, 'test')}"}


def test_encryption_round_trips_and_detects_tampering():
    token = pii.encrypt("330681199005170011")
    assert pii.decrypt(token) == "330681199005170011"
    assert pii.encrypt("330681199005170011") != token  # random nonce
    tampered = token[:-2] + ("A" if token[-2] != "A" else "B") + token[-1]
    with pytest.raises(Exception):  # noqa: B017 - any failure is right, silence is not
        pii.decrypt(tampered)


def test_keyed_hash_depends_on_the_key(monkeypatch):
    before = pii.lookup_hash("13800000000")
    monkeypatch.setenv("SHUXIANG_PII_KEY", "another-key-entirely")
    assert pii.lookup_hash("13800000000") != before


def test_masks_hide_all_but_the_edges():
    assert pii.mask_id_number("33068119900517001X") == "330***********001X"
    assert pii.mask_mobile("13812345678") == "138****5678"
    assert pii.mask_name("欧阳修") == "欧**"


def test_api_and_pages_show_reader_data_masked(client, net):
    number = id_number("330681", "1979-09-09", 9)
    person = reader(net["zhuji"], id_number=number, mobile="13611112222", name="孙悟空")
    admin = staff_of(net["zj"])
    listing = client.get("/api/v1/accounts/readers", **bearer(admin)).content.decode()
    own = client.get("/api/v1/accounts/me", **bearer(person)).content.decode()
    client.force_login(admin)
    page = client.get("/accounts/readers/").content.decode()
    for body in (listing, own, page):
        assert number not in body and "13611112222" not in body and "孙悟空" not in body
        assert "330***********" in body
    assert not AuditEvent.objects.filter(action="accounts.view_personal_data").exists()


def test_every_staff_view_of_personal_data_leaves_an_audit_row(client, net):
    person = reader(net["zhuji"])
    admin = staff_of(net["sx"])
    api = client.get(
        f"/api/v1/accounts/readers/{person.public_id}/personal-data?purpose=renewal",
        **bearer(admin),
    )
    assert api.status_code == 200
    assert api.json()["id_number"] == pii.decrypt(person.id_number_enc)
    client.force_login(admin)
    assert client.get(f"/accounts/readers/{person.public_id}/").status_code == 200
    rows = AuditEvent.objects.filter(
        action="accounts.view_personal_data", target_id=str(person.pk), actor=admin
    )
    assert rows.count() == 2
    with pytest.raises(PermissionError):
        rows.first().delete()
    with pytest.raises(PermissionError):
        rows.update(actor_label="nobody")


def test_reader_downloads_their_data_as_json(client, net):
    number = id_number(sequence=321)
    person = reader(net["zhuji"], id_number=number, mobile="13511112222")
    client.force_login(person)
    response = client.get("/accounts/me/download/")
    data = json.loads(response.content)
    assert response["Content-Disposition"].startswith("attachment")
    assert data["id_number"] == number and data["mobile"] == "13511112222"
    assert any(e["action"] == "accounts.register_real_name" for e in data["audit_trail"])


def test_only_the_reader_downloads_their_own_data(net):
    person, other = reader(), reader()
    with pytest.raises(PermissionDenied):
        privacy.export_data(person, by=other)


def test_erasing_an_account_removes_personal_data_but_keeps_the_aggregate(net):
    number = id_number(sequence=222)
    person = reader(net["zhuji"], id_number=number, mobile="13422223333")
    ReaderCard.objects.create(user=person, library=net["zhuji"], number="ZJ42")
    admin = staff_of(net["zj"])
    assert staff.reader_counts(admin) == [
        {"library": "330000", "name": "330000图书馆", "readers": 1}
    ]
    privacy.erase_account(person, READER_PASSWORD, by=person)
    person.refresh_from_db()
    assert not person.is_active and person.erased_at is not None
    assert person.mobile_enc == person.id_number_enc == person.real_name_enc == ""
    assert person.mobile_hash is None and person.id_number_hash is None
    assert not ReaderCard.objects.filter(user=person).exists()
    assert User.objects.filter(home_library=net["zhuji"]).count() == 1
    assert AuditEvent.objects.filter(action="accounts.erase_own_data").exists()


def test_erasing_needs_the_current_password(net):
    person = reader()
    with pytest.raises(ValidationFailed) as caught:
        privacy.erase_account(person, "wrong2026", by=person)
    assert caught.value.errors[0].field == "password"
    person.refresh_from_db()
    assert person.id_number_enc


def test_erase_through_the_api_and_the_number_can_register_again(client, net):
    number = id_number(sequence=555)
    person = reader(id_number=number)
    response = client.post(
        "/api/v1/accounts/me/erase",
        {"password": READER_PASSWORD},
        content_type="application/json",
        **bearer(person),
    )
    assert response.status_code == 204
    assert reader(id_number=number).is_real_name


def test_check_warns_in_server_mode_without_a_pii_key(monkeypatch):
    monkeypatch.delenv("SHUXIANG_PII_KEY", raising=False)
    with override_settings(SERVER_MODE=True):
        warnings = pii_key_is_set()
    assert [w.id for w in warnings] == ["accounts.W001"]
    assert isinstance(warnings[0], checks.Warning)
    monkeypatch.setenv("SHUXIANG_PII_KEY", "k" * 40)
    with override_settings(SERVER_MODE=True):
        assert pii_key_is_set() == []


def test_page_delete_form_logs_out_and_erases(net):
    person = reader()
    client = Client()
    client.force_login(person)
    client.post("/accounts/me/delete/", {"password": READER_PASSWORD})
    person.refresh_from_db()
    assert person.erased_at is not None
    assert "_auth_user_id" not in client.session
