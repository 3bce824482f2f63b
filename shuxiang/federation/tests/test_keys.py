"""This node's own keys: created once, kept in the data dir, rotated with a grace period."""

from __future__ import annotations

import stat
from datetime import timedelta

import pytest
from django.utils import timezone

from shuxiang.federation import keys
from shuxiang.federation.models import Node, NodeKey
from shuxiang.federation.tests.factories import new_key

pytestmark = pytest.mark.django_db


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    keys._cache.clear()
    yield tmp_path
    keys._cache.clear()


def test_own_key_is_made_once_and_kept_private(data_dir):
    first = keys.own_key()
    keys._cache.clear()
    assert keys.own_key().key_id == first.key_id
    pem = data_dir / "federation" / f"{first.key_id}.pem"
    assert stat.S_IMODE(pem.stat().st_mode) == 0o600
    assert len(keys.b64url_decode(first.public_key_b64)) == 32
    assert first.key_id == keys.key_id_for(keys.b64url_decode(first.public_key_b64))


def test_sign_and_verify_bytes(data_dir):
    key_id, sig = keys.sign_bytes(b"data")
    assert keys.verify_bytes(key_id, b"data", sig)
    assert not keys.verify_bytes(key_id, b"date", sig)
    assert not keys.verify_bytes("nobody", b"data", sig)


def test_rotation_keeps_the_old_key_during_grace(data_dir):
    old = keys.own_key()
    _kid, sig = keys.sign_bytes(b"x")
    new = keys.rotate_own_key(grace=timedelta(hours=1))
    assert new.key_id != old.key_id and keys.own_key().key_id == new.key_id
    assert keys.verify_bytes(old.key_id, b"x", sig)
    keys.rotate_own_key(grace=timedelta(seconds=0))
    assert not keys.verify_bytes(new.key_id, b"x", keys.sign_bytes(b"x")[1])
    assert [k.key_id for k in keys.own_keys()][1:] == [old.key_id]


def test_verify_bytes_accepts_approved_peers_active_keys_only(data_dir):
    key = new_key()
    node = Node.objects.create(name="p", base_url="http://p", relation="child", status="pending")
    NodeKey.objects.create(node=node, key_id=key.key_id, public_key=key.public_key_b64)
    sig = key.private_key.sign(b"m")
    assert not keys.verify_bytes(key.key_id, b"m", sig)
    Node.objects.filter(pk=node.pk).update(status="approved")
    assert keys.verify_bytes(key.key_id, b"m", sig)
    NodeKey.objects.update(retired_at=timezone.now() - timedelta(seconds=1))
    assert not keys.verify_bytes(key.key_id, b"m", sig)


def test_bad_public_keys_are_refused():
    for bad in ("", "not base64!", keys.b64url(b"short"), "é"):
        with pytest.raises(ValueError):
            keys.public_key_from_b64(bad)
