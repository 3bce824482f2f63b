"""Signing keys of packages: this node's federation key (``shuxiang.federation.keys``).

A bag is signed with the node's current Ed25519 key. It verifies with one of this node's own
keys, an approved peer node's active key, or a public key listed in
``SHUXIANG_PACKAGES_TRUSTED_KEYS`` (for a county that imports from a drive a package made by a
node it is not joined to).
"""

from __future__ import annotations

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shuxiang.core import options
from shuxiang.federation import keys as node_keys

own_key = node_keys.own_key
sign_bytes = node_keys.sign_bytes
key_id_of = node_keys.key_id_for


def _trusted() -> dict[str, Ed25519PublicKey]:
    trusted = {}
    for text in options.value("PACKAGES_TRUSTED_KEYS"):
        try:
            public = node_keys.public_key_from_b64(text.strip())
        except ValueError:
            continue
        trusted[key_id_of(node_keys.raw_public(public))] = public
    return trusted


def verify_bytes(key_id: str, data: bytes, sig: bytes) -> bool:
    """True when ``sig`` is a signature of ``data`` by a key this node trusts."""
    if node_keys.verify_bytes(key_id, data, sig):
        return True
    public = _trusted().get(key_id)
    if public is None:
        return False
    try:
        public.verify(sig, data)
    except InvalidSignature:
        return False
    return True
