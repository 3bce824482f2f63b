"""Virtual reader card QR: signed, short-lived, single use, no personal data in clear."""

from __future__ import annotations

import base64
import json
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from shuxiang.accounts import cards
from shuxiang.accounts.keys import card_public_key_pem
from shuxiang.accounts.services import issue_api_token
from shuxiang.accounts.tests.factories import id_number, reader, staff_of
from shuxiang.core.errors import Conflict, PermissionDenied, ValidationFailed

pytestmark = pytest.mark.django_db


def code_of(call) -> str:
    with pytest.raises((ValidationFailed, Conflict)) as caught:
        call()
    assert caught.value.errors[0].field == "token"
    return caught.value.errors[0].code


def test_terminal_accepts_a_fresh_code_once(net):
    person = reader(net["zhuji"])
    terminal = staff_of(net["zhuji"])
    token = cards.issue_card_token(person, by=person)
    assert cards.verify_card_token(token.value, by=terminal) == person
    assert code_of(lambda: cards.verify_card_token(token.value, by=terminal)) == "replayed"


def test_code_carries_no_personal_data_in_clear(net):
    number = id_number(sequence=808)
    person = reader(net["zhuji"], id_number=number, mobile="13355556666", name="周八")
    value = cards.issue_card_token(person, by=person).value
    payload = json.loads(base64.urlsafe_b64decode(value.split(".")[1] + "=="))
    assert set(payload) == {"sub", "iss", "iat", "exp", "jti"}
    for secret in (number, "13355556666", "周八", person.username):
        assert secret not in value and secret not in json.dumps(payload, ensure_ascii=False)


def test_expired_code_is_refused_offline(net):
    person = reader()
    token = cards.issue_card_token(person, by=person, lifetime=60)
    pem = card_public_key_pem()
    assert cards.check_offline(token.value, pem)["sub"] == str(person.public_id)
    later = time.time() + 61
    assert code_of(lambda: cards.check_offline(token.value, pem, now=later)) == "expired"


def test_code_signed_by_another_key_is_refused(net):
    person = reader()
    forged = cards.issue_card_token(person, by=person).value.rsplit(".", 1)[0]
    other = ed25519.Ed25519PrivateKey.generate()
    signature = base64.urlsafe_b64encode(other.sign(forged.encode())).decode().rstrip("=")
    assert code_of(lambda: cards.verify_card_token(f"{forged}.{signature}", by=person)) == (
        "signature"
    )


def test_altered_payload_is_refused(net):
    person, other = reader(), reader()
    prefix, body, signature = cards.issue_card_token(person, by=person).value.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=="))
    payload["sub"] = str(other.public_id)
    swapped = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    assert code_of(
        lambda: cards.verify_card_token(f"{prefix}.{swapped}.{signature}", by=person)
    ) == ("signature")


def test_garbage_is_not_a_card_code(net):
    assert code_of(lambda: cards.check_offline("hello", card_public_key_pem())) == "malformed"


def test_only_the_reader_shows_their_card(net):
    person, other = reader(), reader()
    with pytest.raises(PermissionDenied):
        cards.issue_card_token(person, by=other)


def test_card_through_the_api_and_terminal_public_key(client, net):
    person = reader(net["zhuji"])
    terminal = staff_of(net["zhuji"])
    auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(person, 'app')}"}
    issued = client.post("/api/v1/accounts/me/card-token", **auth).json()
    assert issued["svg"].startswith("<svg")
    pem = client.get("/api/v1/accounts/card-key").json()["public_key_pem"]
    serialization.load_pem_public_key(pem.encode())
    staff_auth = {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(terminal, 'terminal')}"}
    first = client.post(
        "/api/v1/accounts/card-tokens/verify",
        {"token": issued["token"]},
        content_type="application/json",
        **staff_auth,
    )
    assert first.status_code == 200 and first.json()["reader"] == str(person.public_id)
    second = client.post(
        "/api/v1/accounts/card-tokens/verify",
        {"token": issued["token"]},
        content_type="application/json",
        **staff_auth,
    )
    assert second.status_code == 409 and second.json()["errors"][0]["code"] == "replayed"
    readers_cannot = client.post(
        "/api/v1/accounts/card-tokens/verify",
        {"token": issued["token"]},
        content_type="application/json",
        **auth,
    )
    assert readers_cannot.status_code == 403


def test_card_page_shows_a_qr_code(client, net):
    person = reader()
    client.force_login(person)
    assert b"<svg" in client.get("/accounts/me/card/").content
