"""This node's own Ed25519 key pair (节点密钥), kept in ``<DATA_DIR>/federation/``.

``keys.json`` names the current key and every earlier one with the time it retires; each
private key is a PEM file (mode 0600) named by its key id. The key id is the base64url
SHA-256 thumbprint of the raw public key (first 22 characters), so it is unique in the network.
Every process reads the manifest again when its modification time changes, so a rotation by
the CLI is seen by a running server.
"""

from __future__ import annotations

import base64
import binascii
import fcntl
import hashlib
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings
from django.utils import timezone

from shuxiang.core import options


@dataclass(frozen=True)
class OwnKey:
    key_id: str
    private_key: Ed25519PrivateKey
    public_key_b64: str
    retires: datetime | None = None


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url; ValueError on anything else."""
    if not isinstance(text, str) or not text.isascii():
        raise ValueError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError("not base64url") from exc


def raw_public(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id_for(public_raw: bytes) -> str:
    return b64url(hashlib.sha256(public_raw).digest())[:22]


def public_key_from_b64(text: str) -> Ed25519PublicKey:
    """The peer key ``text`` (raw 32 bytes, base64url); ValueError when it is not one."""
    raw = b64url_decode(text)
    if len(raw) != 32:
        raise ValueError("an Ed25519 public key is 32 bytes")
    return Ed25519PublicKey.from_public_bytes(raw)


def folder() -> Path:
    path = Path(settings.DATA_DIR) / "federation"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextmanager
def _locked():
    with open(folder() / ".lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write_atomic(path: Path, data: bytes, mode: int = 0o600) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(tmp, path)


def _read_manifest() -> dict:
    path = folder() / "keys.json"
    if not path.exists():
        return {"current": None, "keys": {}}
    return json.loads(path.read_text())


def _new_key(manifest: dict) -> str:
    private = Ed25519PrivateKey.generate()
    key_id = key_id_for(raw_public(private))
    pem = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    _write_atomic(folder() / f"{key_id}.pem", pem)  # the key file first, then the manifest
    manifest["keys"][key_id] = {"created": timezone.now().isoformat(), "retires": None}
    manifest["current"] = key_id
    _write_atomic(folder() / "keys.json", json.dumps(manifest, indent=1).encode())
    return key_id


_cache: dict[str, object] = {}


def _load(key_id: str, retires: str | None) -> OwnKey:
    pem = (folder() / f"{key_id}.pem").read_bytes()
    private = serialization.load_pem_private_key(pem, password=None)
    assert isinstance(private, Ed25519PrivateKey)
    when = datetime.fromisoformat(retires) if retires else None
    return OwnKey(key_id, private, b64url(raw_public(private)), when)


def own_keys() -> list[OwnKey]:
    """Every own key still usable for verification, the current one first."""
    path = folder() / "keys.json"
    stamp = (str(settings.DATA_DIR), path.stat().st_mtime_ns if path.exists() else None)
    if _cache.get("stamp") != stamp or "keys" not in _cache:
        with _locked():
            manifest = _read_manifest()
            if not manifest["current"]:
                _new_key(manifest)
        current = manifest["current"]
        loaded = [_load(current, None)] + [
            _load(kid, info["retires"])
            for kid, info in manifest["keys"].items()
            if kid != current and info["retires"]
        ]
        _cache.update(stamp=(str(settings.DATA_DIR), path.stat().st_mtime_ns), keys=loaded)
    now = timezone.now()
    return [k for k in _cache["keys"] if k.retires is None or k.retires > now]


def own_key() -> OwnKey:
    """This node's current signing key (created on first use)."""
    return own_keys()[0]


def rotate_own_key(grace: timedelta | None = None) -> OwnKey:
    """Make a new current key; the old one still verifies until the grace period ends."""
    seconds = options.value("FEDERATION_KEY_GRACE_SECONDS") if grace is None else grace
    grace = seconds if isinstance(seconds, timedelta) else timedelta(seconds=seconds)
    with _locked():
        manifest = _read_manifest()
        old = manifest["current"]
        if old:
            manifest["keys"][old]["retires"] = (timezone.now() + grace).isoformat()
        _new_key(manifest)
    _cache.clear()
    return own_key()


def sign_bytes(data: bytes) -> tuple[str, bytes]:
    """Sign ``data`` with the current own key: (key_id, signature)."""
    key = own_key()
    return key.key_id, key.private_key.sign(data)


def peer_public_key(key_id: str) -> Ed25519PublicKey | None:
    """The active key ``key_id`` of an approved peer node, or None."""
    from shuxiang.federation.models import Node, NodeKey

    row = NodeKey.objects.filter(key_id=key_id, node__status=Node.Status.APPROVED).first()
    if row is None or not row.is_active():
        return None
    return public_key_from_b64(row.public_key)


def verify_bytes(key_id: str, data: bytes, sig: bytes) -> bool:
    """True when ``sig`` over ``data`` is by own key ``key_id`` or an approved peer's key."""
    own = {k.key_id: k.private_key.public_key() for k in own_keys()}
    public = own.get(key_id) or peer_public_key(key_id)
    if public is None:
        return False
    try:
        public.verify(sig, data)
    except InvalidSignature:
        return False
    return True


def utcnow() -> datetime:
    return datetime.now(UTC)
