"""Accounts API: registration and tokens, errors naming field and reason, client systems."""

from __future__ import annotations

import json

import pytest
from oauth2_provider.models import Application

from shuxiang.accounts.models import User
from shuxiang.accounts.services import issue_api_token
from shuxiang.accounts.tests.factories import READER_PASSWORD, id_number, reader, staff_of

pytestmark = pytest.mark.django_db


def post(client, url, body, **headers):
    return client.post(url, json.dumps(body), content_type="application/json", **headers)


def bearer(person) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(person, 'test')}"}


def test_quick_registration_then_token_login_then_me(client, net):
    created = post(
        client,
        "/api/v1/accounts/register/quick",
        {"mobile": "13912340000", "password": "abc12345", "library": "330681"},
    )
    assert created.status_code == 201
    assert created.json()["mobile"] == "139****0000"
    token = post(
        client, "/api/v1/accounts/tokens", {"identifier": "13912340000", "password": "abc12345"}
    ).json()["token"]
    me = client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION=f"Bearer {token}").json()
    assert me["home_library"] == "330681" and me["real_name_method"] == ""


def test_real_name_registration_with_a_wrong_check_digit_names_the_part(client, net):
    good = id_number()
    bad = good[:17] + ("0" if good[17] != "0" else "1")
    response = post(
        client,
        "/api/v1/accounts/register/real-name",
        {"real_name": "张三", "id_number": bad, "password": "abc12345"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "id_number" and error["code"] == "check_digit"
    assert "check character" in error["reason"]
    assert not User.objects.exists()


def test_duplicate_mobile_through_the_api_is_409(client, net):
    body = {"mobile": "13912340000", "password": "abc12345"}
    assert post(client, "/api/v1/accounts/register/quick", body).status_code == 201
    again = post(client, "/api/v1/accounts/register/quick", body)
    assert again.status_code == 409 and again.json()["errors"][0]["field"] == "mobile"
    assert User.objects.count() == 1


def test_token_login_lockout_is_429(client, net):
    person = reader()
    for _ in range(5):
        post(
            client,
            "/api/v1/accounts/tokens",
            {"identifier": person.username, "password": "bad12345"},
        )
    locked = post(
        client,
        "/api/v1/accounts/tokens",
        {"identifier": person.username, "password": READER_PASSWORD},
    )
    assert locked.status_code == 429
    assert locked.json()["errors"][0]["code"] == "locked_out"


def test_whoami_answers_anonymous_and_authenticated_callers(client, net):
    assert client.get("/api/v1/accounts/whoami").json() == {"authenticated": False, "account": None}
    person = reader()
    body = client.get("/api/v1/accounts/whoami", **bearer(person)).json()
    assert body["authenticated"] and body["account"]["username"] == person.username


def test_export_through_the_api_is_the_readers_own_data(client, net):
    number = id_number(sequence=612)
    person = reader(id_number=number)
    assert client.get("/api/v1/accounts/me/export", **bearer(person)).json()["id_number"] == number


def test_library_admin_registers_a_client_system(client, net):
    response = post(
        client,
        "/api/v1/accounts/clients",
        {"library": "330681", "name": "ILS", "redirect_uris": ["https://ils.example/cb"]},
        **bearer(staff_of(net["sx"])),
    )
    assert response.status_code == 201
    body = response.json()
    app = Application.objects.get(client_id=body["client_id"])
    assert body["client_secret"] and app.client_secret != body["client_secret"]  # stored hashed
    assert app.registration.library == net["zhuji"]


def test_admin_cannot_register_a_client_for_another_province(client, net):
    response = post(
        client,
        "/api/v1/accounts/clients",
        {"library": "620123", "name": "ILS", "redirect_uris": ["https://x.example/cb"]},
        **bearer(staff_of(net["zj"])),
    )
    assert response.status_code == 403
    assert not Application.objects.exists()


def test_client_redirect_uris_must_be_https(client, net):
    response = post(
        client,
        "/api/v1/accounts/clients",
        {"library": "330681", "name": "ILS", "redirect_uris": ["http://ils.example/cb"]},
        **bearer(staff_of(net["zhuji"])),
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "redirect_uris[0]"
    assert not Application.objects.exists()


def test_register_page_shows_each_error_by_its_field(client, net):
    response = client.post(
        "/accounts/register/?kind=real_name",
        {
            "kind": "real_name",
            "real_name": "张三",
            "id_number": id_number("999999"),
            "password": "123456",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    text = response.content.decode()
    assert "not a known administrative division" in text
    assert "needs both letters and digits" in text
    assert not User.objects.exists()


def test_register_page_logs_the_new_reader_in(client, net):
    response = client.post(
        "/accounts/register/", {"kind": "quick", "mobile": "13912340001", "password": "abc12345"}
    )
    assert response.status_code == 302
    assert client.get("/accounts/me/").status_code == 200


def test_errors_are_in_chinese_by_default(client, net):
    response = post(
        client, "/api/v1/accounts/register/quick", {"mobile": "12345", "password": "abc12345"}
    )
    assert response.json()["errors"][0]["reason"] == "手机号为 11 位数字，以 13–19 开头。"


def test_my_account_page_links_staff_to_their_tools(client, net):
    from shuxiang.accounts.tests.factories import staff_of

    client.force_login(staff_of(net["zj"]))
    page = client.get("/accounts/me/").content.decode()
    assert "/accounts/readers/" in page and "/accounts/me/second-factor/" in page
    client.force_login(reader())
    assert "/accounts/readers/" not in client.get("/accounts/me/").content.decode()
