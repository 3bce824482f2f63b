"""API tokens: they expire, their owner and the administrators above them list and revoke
them, and they stop working when the password changes or a second factor is switched on."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from shuxiang.accounts.models import ApiToken
from shuxiang.accounts.services import issue_api_token
from shuxiang.accounts.tests.factories import PASSWORD, READER_PASSWORD, reader, staff_of
from shuxiang.accounts.tests.test_totp import enrolled

pytestmark = pytest.mark.django_db

ME = "/api/v1/accounts/me"


def as_bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def token_login(identifier: str, password: str = READER_PASSWORD) -> dict:
    body = {"identifier": identifier, "password": password, "token_name": "phone"}
    response = Client().post(
        "/api/v1/accounts/tokens", json.dumps(body), content_type="application/json"
    )
    assert response.status_code == 201
    return response.json()


def test_a_revoked_token_no_longer_opens_the_api(net):
    person = reader(net["zhuji"])
    issued = token_login(person.username)
    client = as_bearer(issued["token"])
    assert client.get(ME).status_code == 200
    assert client.delete(f"/api/v1/accounts/tokens/{issued['id']}").status_code == 204
    assert client.get(ME).status_code == 401


def test_an_expired_token_no_longer_opens_the_api(net, monkeypatch):
    monkeypatch.setenv("SHUXIANG_API_TOKEN_DAYS", "0")
    person = reader(net["zhuji"])
    assert as_bearer(token_login(person.username)["token"]).get(ME).status_code == 401


def test_tokens_last_thirty_days_by_default(net):
    issued = token_login(reader(net["zhuji"]).username)
    token = ApiToken.objects.get(pk=issued["id"])
    assert (token.expires_at - token.created_at).days in (29, 30)
    assert issued["expires_at"] == token.expires_at.isoformat()


def test_a_password_change_ends_every_token(net):
    person = reader(net["zhuji"])
    client = as_bearer(token_login(person.username)["token"])
    person.set_password("new2026pass")
    person.save()
    assert client.get(ME).status_code == 401


def test_switching_the_second_factor_on_ends_every_token(net):
    admin = staff_of(net["zj"])
    client = as_bearer(token_login(admin.username, PASSWORD)["token"])
    assert client.get(ME).status_code == 200
    enrolled(admin)
    assert client.get(ME).status_code == 401
    assert not ApiToken.objects.filter(user=admin).exists()


def test_the_owner_lists_tokens_without_their_secret(net):
    person = reader(net["zhuji"])
    first = token_login(person.username)
    token_login(person.username)
    listed = as_bearer(first["token"]).get("/api/v1/accounts/tokens").json()
    assert len(listed) == 2 and {row["name"] for row in listed} == {"phone"}
    text = json.dumps(listed)
    assert first["token"] not in text and ApiToken.digest_of(first["token"]) not in text


def test_an_administrator_above_the_reader_lists_and_revokes_their_tokens(net):
    person = reader(net["zhuji"])
    stolen = token_login(person.username)
    admin = Client()
    admin.force_login(staff_of(net["sx"]))
    listed = admin.get("/api/v1/accounts/tokens", {"user": str(person.public_id)}).json()
    assert [row["id"] for row in listed] == [stolen["id"]]
    assert admin.delete(f"/api/v1/accounts/tokens/{stolen['id']}").status_code == 204
    assert as_bearer(stolen["token"]).get(ME).status_code == 401


def test_others_can_neither_list_nor_revoke(net):
    person = reader(net["zhuji"])
    issued = token_login(person.username)
    for outsider in (reader(net["zhuji"]), staff_of(net["yuzhong"])):
        client = Client()
        client.force_login(outsider)
        query = {"user": str(person.public_id)}
        assert client.get("/api/v1/accounts/tokens", query).status_code == 404
        assert client.delete(f"/api/v1/accounts/tokens/{issued['id']}").status_code == 404
    assert as_bearer(issued["token"]).get(ME).status_code == 200


def test_a_staff_member_at_the_same_library_cannot_revoke_a_peers_tokens(net):
    peer = staff_of(net["zhuji"])
    issued = token_login(peer.username, PASSWORD)
    client = Client()
    client.force_login(staff_of(net["zhuji"]))
    assert client.delete(f"/api/v1/accounts/tokens/{issued['id']}").status_code == 404
    above = Client()
    above.force_login(staff_of(net["sx"]))
    assert above.delete(f"/api/v1/accounts/tokens/{issued['id']}").status_code == 204


def test_my_account_page_lists_and_revokes_my_tokens(net):
    person = reader(net["zhuji"])
    issued = issue_api_token(person, "电子书 App")
    client = Client()
    client.force_login(person)
    page = client.get("/accounts/me/").content.decode()
    token = ApiToken.objects.get(user=person)
    assert "电子书 App" in page and f"/accounts/me/tokens/{token.pk}/revoke/" in page
    assert issued not in page
    assert client.post(f"/accounts/me/tokens/{token.pk}/revoke/").status_code == 302
    assert as_bearer(issued).get(ME).status_code == 401
