"""Replay protection shared by processes and kept over restarts; cached peer keys follow
revocations and rotations at once (the store is the mode's: SQLite file or Redis)."""

from __future__ import annotations

import multiprocessing
import secrets
import time

import pytest

from shuxiang.core.actors import SYSTEM
from shuxiang.federation import replay, services
from shuxiang.federation.models import NodeKey
from shuxiang.federation.tests.factories import new_key, send, signed_request

pytestmark = pytest.mark.django_db
KEYS = "/federation/peer/keys"


def _claim_all(key_id: str, nonces: list[str], start, results) -> None:
    replay.reset_store()  # this process's own connection to the shared store
    start.wait()
    until = int(time.time()) + 600
    results.put([n for n in nonces if replay.get_store().claim(key_id, n, until)])


def test_each_nonce_is_accepted_once_across_processes():
    key_id, nonces = "proc-" + secrets.token_hex(4), [secrets.token_urlsafe(12) for _ in range(40)]
    context = multiprocessing.get_context("fork")
    start, results = context.Event(), context.Queue()
    workers = [
        context.Process(target=_claim_all, args=(key_id, nonces, start, results)) for _ in range(4)
    ]
    for worker in workers:
        worker.start()
    start.set()
    won = [results.get(timeout=60) for _ in workers]
    for worker in workers:
        worker.join(timeout=60)
    assert sorted(n for claimed in won for n in claimed) == sorted(nonces)  # each exactly once


def test_a_claimed_nonce_stays_refused_after_a_restart():
    until = int(time.time()) + 600
    assert replay.get_store().claim("restart", "n-" + secrets.token_hex(6), until)
    nonce = "n-" + secrets.token_hex(6)
    assert replay.get_store().claim("restart", nonce, until) is True
    replay.reset_store()  # a new process would open the store afresh
    assert replay.get_store().claim("restart", nonce, until) is False


def test_revoking_a_node_refuses_its_next_request_though_its_key_was_cached(client, peer):
    node, key = peer
    assert send(client, signed_request("GET", KEYS, key=key)).status_code == 200  # now cached
    services.revoke(node, "Gave up its keys.", by=SYSTEM)
    response = send(client, signed_request("GET", KEYS, key=key))
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "node_not_approved"


def test_a_rotation_keeps_the_old_key_only_for_its_grace_period(client, peer, settings):
    node, key = peer
    assert send(client, signed_request("GET", KEYS, key=key)).status_code == 200
    announced = new_key()
    body = {"key_id": announced.key_id, "public_key": announced.public_key_b64}
    assert send(client, signed_request("POST", KEYS, key=key, json=body)).status_code == 200
    assert send(client, signed_request("GET", KEYS, key=announced)).status_code == 200
    assert send(client, signed_request("GET", KEYS, key=key)).status_code == 200  # grace
    NodeKey.objects.filter(key_id=key.key_id).update(retired_at=node.created)  # grace is over
    replay.get_store().bump()  # what another process's commit does
    response = send(client, signed_request("GET", KEYS, key=key))
    assert response.json()["errors"][0]["code"] == "unknown_key"
