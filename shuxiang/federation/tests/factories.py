"""Peers for federation tests: a node row with a fresh key, and signed test-client requests."""

from __future__ import annotations

import json as jsonlib

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.utils import timezone

from shuxiang.federation import keys
from shuxiang.federation.models import Node, NodeKey
from shuxiang.federation.signing import sign_prepared

HOST = "http://testserver"


def new_key() -> keys.OwnKey:
    private = Ed25519PrivateKey.generate()
    public = keys.b64url(keys.raw_public(private))
    return keys.OwnKey(keys.key_id_for(keys.raw_public(private)), private, public)


def peer_node(status: str = Node.Status.APPROVED, relation: str = Node.Relation.CHILD, **kw):
    """A peer node with its own key; returns (node, key)."""
    key = new_key()
    n = Node.objects.count() + 1
    node = Node.objects.create(
        name=kw.pop("name", f"peer{n}"),
        base_url=kw.pop("base_url", f"http://peer{n}.example.org"),
        relation=relation,
        status=status,
        approved_at=timezone.now() if status == Node.Status.APPROVED else None,
        **kw,
    )
    NodeKey.objects.create(node=node, key_id=key.key_id, public_key=key.public_key_b64)
    return node, key


def signed_request(method: str, path: str, *, key=None, json=None, body=None, **sign):
    """A prepared request to the test server, signed (or not, with key=False)."""
    data = jsonlib.dumps(json).encode() if json is not None else body
    headers = {"Content-Type": "application/json"} if data is not None else {}
    prepared = requests.Request(method, HOST + path, data=data, headers=headers).prepare()
    if key is not False:
        sign_prepared(prepared, key=key, **sign)
    return prepared


def send(client, prepared, *, path: str | None = None, body: bytes | None = None):
    """Send a prepared request through Django's test client (optionally altered)."""
    target = path or prepared.path_url
    headers = {
        k: v
        for k, v in prepared.headers.items()
        if k.lower() not in ("content-length", "content-type")
    }
    data = prepared.body if body is None else body
    return client.generic(
        prepared.method,
        target,
        data=data or b"",
        content_type=prepared.headers.get("Content-Type", "application/octet-stream"),
        headers=headers,
    )
