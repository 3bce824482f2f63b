"""Signing keys of packages: this node's federation key (``shuxiang.federation.keys``).

A bag is signed with the node's current Ed25519 key. It verifies with one of this node's own
keys, an approved peer node's active key, or a public key listed in
``SHUXIANG_PACKAGES_TRUSTED_KEYS`` (for a county that imports from a drive a package made by a
node it is not joined to). A bag passed on by a province that did not build it (re-offered)
is signed by the node that built it: the province vouches for that key in the offer
(``endorse``: its own signature over the key and the bag's tag manifest), and the county,
which trusts its parent, trusts the key for that one bag (``trusting``).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import contextvars
from collections.abc import Iterator

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from shuxiang.core import options
from shuxiang.federation import keys as node_keys

own_key = node_keys.own_key
sign_bytes = node_keys.sign_bytes
key_id_of = node_keys.key_id_for
ENDORSEMENT = b"shuxiang-package-key/1\n"
_endorsed: contextvars.ContextVar[dict] = contextvars.ContextVar("endorsed", default=None)


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
    public = _trusted().get(key_id) or (_endorsed.get() or {}).get(key_id)
    if public is None:
        return False
    try:
        public.verify(sig, data)
    except InvalidSignature:
        return False
    return True


def public_key_b64(key_id: str) -> str:
    """The base64url public key of ``key_id`` when this node trusts it (own, approved peer,
    listed, or endorsed for the bag at hand); "" otherwise."""
    found = {k.key_id: k.public_key_b64 for k in node_keys.own_keys()}.get(key_id)
    public = None if found else node_keys.peer_public_key(key_id)
    public = public or _trusted().get(key_id) or (_endorsed.get() or {}).get(key_id)
    return found or (node_keys.b64url(node_keys.raw_public(public)) if public else "")


def _endorsed_bytes(key_id: str, public_b64: str, tagmanifest_sha256: str) -> bytes:
    return ENDORSEMENT + f"{key_id}\n{public_b64}\n{tagmanifest_sha256}\n".encode()


def endorse(key_id: str, tagmanifest_sha256: str, public_b64: str = "") -> dict | None:
    """This node vouches that ``key_id`` signs the bag whose tag manifest hashes to
    ``tagmanifest_sha256`` (None when the key is this node's own or not trusted here)."""
    if key_id in {k.key_id for k in node_keys.own_keys()}:
        return None
    public_b64 = public_b64 or public_key_b64(key_id)
    if not public_b64:
        return None
    by, signature = sign_bytes(_endorsed_bytes(key_id, public_b64, tagmanifest_sha256))
    return {"key_id": key_id, "public_key": public_b64, "by": by,
            "signature": base64.b64encode(signature).decode("ascii")}  # fmt: skip


def endorsed_key(endorsement: object, tagmanifest_sha256: str) -> dict[str, Ed25519PublicKey]:
    """{key id: public key} when ``endorsement`` is a valid endorsement, for this bag, by a
    key this node trusts itself (its parent's); {} otherwise."""
    if not isinstance(endorsement, dict):
        return {}
    try:
        key_id, public_b64 = str(endorsement["key_id"]), str(endorsement["public_key"])
        public = node_keys.public_key_from_b64(public_b64)
        signature = base64.b64decode(str(endorsement["signature"]), validate=True)
    except (KeyError, ValueError, binascii.Error):
        return {}
    if key_id_of(node_keys.raw_public(public)) != key_id:
        return {}
    signed = _endorsed_bytes(key_id, public_b64, tagmanifest_sha256)
    if not node_keys.verify_bytes(str(endorsement.get("by", "")), signed, signature):
        return {}
    return {key_id: public}


@contextlib.contextmanager
def trusting(extra: dict[str, Ed25519PublicKey]) -> Iterator[None]:
    """Trust ``extra`` keys (endorsed ones) while verifying and importing one bag."""
    token = _endorsed.set({**(_endorsed.get() or {}), **extra})
    try:
        yield
    finally:
        _endorsed.reset(token)
