"""Signed peer requests: accepted when right; each kind of wrong one refused with its code."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from shuxiang.core.models import AuditEvent
from shuxiang.federation import keys, replay
from shuxiang.federation.models import Node, NodeKey
from shuxiang.federation.tests.factories import new_key, peer_node, send, signed_request

pytestmark = pytest.mark.django_db
KEYS = "/federation/peer/keys"


def nonce_of(request) -> str:
    return request.headers["Signature-Input"].split(';nonce="', 1)[1].split('"', 1)[0]


def refusal(response) -> str:
    assert response.status_code == 401, response.content
    body = response.json()
    [error] = body["errors"]
    assert error["field"] == "Signature" and body["detail"] == error["reason"]
    assert response["WWW-Authenticate"] == f'Signature error="{error["code"]}"'
    return error["code"]


def test_a_signed_request_is_accepted_and_marks_the_node_seen(client, peer):
    node, key = peer
    response = send(client, signed_request("GET", KEYS, key=key))
    assert response.status_code == 200, response.content
    assert response.json()["keys"][0]["key_id"] == keys.own_key().key_id
    node.refresh_from_db()
    assert node.last_seen is not None
    nonce = nonce_of(response.wsgi_request)
    assert replay.get_store().claim(key.key_id, nonce, 2**40) is False  # remembered


def test_a_signed_body_is_accepted(client, peer):
    node, key = peer
    announced = new_key()
    body = {"key_id": announced.key_id, "public_key": announced.public_key_b64}
    response = send(client, signed_request("POST", KEYS, key=key, json=body))
    assert response.status_code == 200, response.content
    assert node.keys.filter(key_id=announced.key_id, retired_at__isnull=True).exists()
    old = node.keys.get(key_id=key.key_id)
    assert old.retired_at > timezone.now()  # the grace period: the old key still verifies


def test_unsigned_request_is_refused(client, peer):
    assert refusal(send(client, signed_request("GET", KEYS, key=False))) == "unsigned"


def test_tampered_body_is_refused(client, peer):
    _node, key = peer
    prepared = signed_request("POST", KEYS, key=key, json={"key_id": "a", "public_key": "b"})
    tampered = prepared.body.replace(b'"a"', b'"z"')
    assert refusal(send(client, prepared, body=tampered)) == "digest_mismatch"


def test_tampered_digest_header_is_refused(client, peer):
    """Replacing body and digest together breaks the signature over the digest."""
    from http_message_signatures import ContentDigest

    _node, key = peer
    prepared = signed_request("POST", KEYS, key=key, json={"key_id": "a", "public_key": "b"})
    body = b'{"key_id": "z", "public_key": "b"}'
    prepared.headers["Content-Digest"] = ContentDigest.create(body)
    assert refusal(send(client, prepared, body=body)) == "bad_signature"


def test_tampered_target_uri_is_refused(client, peer):
    _node, key = peer
    prepared = signed_request("GET", KEYS + "?page=1", key=key)
    assert refusal(send(client, prepared, path=KEYS + "?page=2")) == "bad_signature"


def test_tampered_method_is_refused(client, peer):
    _node, key = peer
    prepared = signed_request("GET", KEYS, key=key)
    prepared.method = "POST"
    assert refusal(send(client, prepared)) == "bad_signature"


def test_replayed_request_is_refused(client, peer):
    _node, key = peer
    prepared = signed_request("GET", KEYS, key=key)
    assert send(client, prepared).status_code == 200
    assert refusal(send(client, prepared)) == "replayed"


def test_expired_request_is_refused(client, peer):
    _node, key = peer
    old = timezone.now() - timedelta(seconds=400)
    assert refusal(send(client, signed_request("GET", KEYS, key=key, created=old))) == "expired"


def test_request_from_the_future_is_refused(client, peer):
    _node, key = peer
    later = timezone.now() + timedelta(seconds=120)
    assert refusal(send(client, signed_request("GET", KEYS, key=key, created=later))) == "expired"


def test_unknown_key_is_refused(client, peer):
    stranger = new_key()
    assert refusal(send(client, signed_request("GET", KEYS, key=stranger))) == "unknown_key"


def test_key_of_another_node_claimed_is_refused(client, peer):
    """Signing with one key while naming another node's key id fails the signature."""
    node, key = peer
    other = new_key()
    forged = keys.OwnKey(key.key_id, other.private_key, other.public_key_b64)
    assert refusal(send(client, signed_request("GET", KEYS, key=forged))) == "bad_signature"


def test_retired_key_is_refused(client, peer):
    node, key = peer
    NodeKey.objects.filter(key_id=key.key_id).update(retired_at=timezone.now())
    assert refusal(send(client, signed_request("GET", KEYS, key=key))) == "unknown_key"


def test_revoked_node_is_refused(client, db):
    node, key = peer_node(status=Node.Status.REVOKED)
    assert refusal(send(client, signed_request("GET", KEYS, key=key))) == "node_not_approved"


def test_pending_node_is_refused(client, db):
    node, key = peer_node(status=Node.Status.PENDING)
    assert refusal(send(client, signed_request("GET", KEYS, key=key))) == "node_not_approved"


def test_signature_without_nonce_is_malformed(client, peer):
    _node, key = peer
    prepared = signed_request("GET", KEYS, key=key)
    prepared.headers["Signature-Input"] = prepared.headers["Signature-Input"].replace(
        ";nonce=", ";x-nonce="
    )
    assert refusal(send(client, prepared)) == "malformed"


def test_garbage_signature_headers_are_malformed(client, peer):
    prepared = signed_request("GET", KEYS, key=False)
    prepared.headers["Signature-Input"] = "fed=(((("
    prepared.headers["Signature"] = "fed=:AAAA:"
    assert refusal(send(client, prepared)) == "malformed"


def test_refusals_are_logged_and_audited(client, peer, caplog):
    node, key = peer
    prepared = signed_request("GET", KEYS, key=key)
    send(client, prepared)
    with caplog.at_level(logging.WARNING, logger="shuxiang.federation"):
        send(client, prepared)
    assert any("replayed" in r.getMessage() for r in caplog.records)
    event = AuditEvent.objects.get(action="federation.refused")
    assert event.data["code"] == "replayed"
    assert event.target_id == str(node.pk)
    node.refresh_from_db()
    assert node.last_error.startswith("replayed")


def test_refusal_of_an_unknown_key_is_audited_by_key_id(client, db):
    stranger = new_key()
    send(client, signed_request("GET", KEYS, key=stranger))
    event = AuditEvent.objects.get(action="federation.refused")
    assert (event.target_type, event.target_id) == ("federation.nodekey", stranger.key_id)
    assert event.data["code"] == "unknown_key"
