"""This node's Ed25519 signing key (a stand-in with the federation app's interface).

``shuxiang.federation.keys`` offers the same ``sign_bytes``/``verify_bytes``; until it is on
this branch, packages are signed with a key pair kept in ``<DATA_DIR>/distribution/node.key``
(made on first use, readable by the owner only). Signatures verify with this node's own key or
a public key listed in ``SHUXIANG_PACKAGES_TRUSTED_KEYS``.
"""

from __future__ import annotations

import base64
import hashlib
import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.conf import settings

from shuxiang.core import options


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def key_id_of(public_raw: bytes) -> str:
    """A short, stable name for a public key: base64url of its SHA-256, first 16 characters."""
    return _b64(hashlib.sha256(public_raw).digest())[:16]


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


@dataclass(frozen=True)
class OwnKey:
    key_id: str
    private_key: Ed25519PrivateKey
    public_key_b64: str


@cache
def _own(data_dir: str) -> OwnKey:
    key_file = Path(data_dir) / "distribution" / "node.key"
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        seed = Ed25519PrivateKey.generate().private_bytes_raw()
        tmp = key_file.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(seed)
        os.replace(tmp, key_file)
    private = Ed25519PrivateKey.from_private_bytes(key_file.read_bytes())
    raw = _raw(private.public_key())
    return OwnKey(key_id_of(raw), private, _b64(raw))


def own_key() -> OwnKey:
    """This node's key pair (``.key_id``, ``.private_key``, ``.public_key_b64``)."""
    return _own(str(settings.DATA_DIR))


def sign_bytes(data: bytes) -> tuple[str, bytes]:
    """Sign ``data`` with this node's key: (key id, 64-byte signature)."""
    key = own_key()
    return key.key_id, key.private_key.sign(data)


def _trusted() -> dict[str, Ed25519PublicKey]:
    keys = {}
    for text in [own_key().public_key_b64, *options.value("PACKAGES_TRUSTED_KEYS")]:
        try:
            raw = _unb64(text.strip())
            keys[key_id_of(raw)] = Ed25519PublicKey.from_public_bytes(raw)
        except ValueError:
            continue
    return keys


def verify_bytes(key_id: str, data: bytes, sig: bytes) -> bool:
    """True when ``sig`` is a signature of ``data`` by the trusted key named ``key_id``."""
    public = _trusted().get(key_id)
    if public is None:
        return False
    try:
        public.verify(sig, data)
    except InvalidSignature:
        return False
    return True
