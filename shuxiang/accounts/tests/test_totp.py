"""TOTP second factor for staff: RFC 6238 codes, required at login once switched on."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from shuxiang.accounts import totp
from shuxiang.accounts.tests.factories import PASSWORD, reader, staff_of
from shuxiang.core.errors import Conflict, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def test_codes_match_the_rfc_6238_test_vector():
    secret = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # ASCII "12345678901234567890"
    assert totp.code_at(secret, 59 // 30) == "287082"
    assert totp.code_at(secret, 1111111109 // 30) == "081804"


def enrolled(staff_member):
    secret, _uri = totp.begin_enrolment(staff_member, by=staff_member)
    totp.confirm_enrolment(
        staff_member, totp.code_at(secret, totp.current_step() - 1), by=staff_member
    )
    return secret


def test_a_code_is_accepted_once_only(net):
    admin = staff_of(net["zj"])
    secret = enrolled(admin)
    code = totp.code_at(secret, totp.current_step())
    totp.check(admin, code)
    with pytest.raises(ValidationFailed) as caught:
        totp.check(admin, code)
    assert caught.value.errors[0].field == "otp"


def test_readers_do_not_enrol_and_enrolment_cannot_be_reset_silently(net):
    person = reader()
    with pytest.raises(PermissionDenied):
        totp.begin_enrolment(person, by=person)
    admin = staff_of(net["zj"])
    enrolled(admin)
    with pytest.raises(Conflict):
        totp.begin_enrolment(admin, by=admin)


def test_staff_login_page_asks_for_the_code_after_the_password(net):
    admin = staff_of(net["zj"])
    secret = enrolled(admin)
    client = Client()
    first = client.post("/accounts/login/", {"identifier": admin.username, "password": PASSWORD})
    assert first.status_code == 200 and b'name="otp"' in first.content
    assert "_auth_user_id" not in client.session
    wrong = client.post("/accounts/login/code/", {"otp": "000000"})
    assert wrong.status_code == 400 and "_auth_user_id" not in client.session
    right = client.post("/accounts/login/code/", {"otp": totp.code_at(secret, totp.current_step())})
    assert right.status_code == 302
    assert client.session["_auth_user_id"] == str(admin.pk)


def test_staff_token_login_needs_the_code(client, net):
    admin = staff_of(net["zj"])
    secret = enrolled(admin)
    body = {"identifier": admin.username, "password": PASSWORD}
    missing = client.post(
        "/api/v1/accounts/tokens", json.dumps(body), content_type="application/json"
    )
    assert missing.status_code == 400 and missing.json()["errors"][0]["code"] == "otp_required"
    body["otp"] = totp.code_at(secret, totp.current_step())
    ok = client.post("/api/v1/accounts/tokens", json.dumps(body), content_type="application/json")
    assert ok.status_code == 201


def test_setup_page_switches_the_second_factor_on(net):
    admin = staff_of(net["sx"])
    client = Client()
    client.force_login(admin)
    page = client.get("/accounts/me/second-factor/").content.decode()
    secret = re.search(r"<code>([A-Z2-7]+)</code>", page).group(1)
    client.post("/accounts/me/second-factor/", {"otp": totp.code_at(secret, totp.current_step())})
    assert totp.required_for(admin)
