"""The node's signing keys: RSA for OIDC tokens, Ed25519 for virtual reader cards.

Each key comes from a PEM file named by an option, or is generated once into the data folder
(mode 0600) so an embedded node works with no setup. Imported by settings: no Django models here.
"""

from __future__ import annotations

import functools
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa

from shuxiang.core import options


def _data_dir() -> Path:
    return options.value("DATA_DIR")


def _load_or_create(path: Path, generate) -> bytes:
    if not path.exists():
        key = generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(pem)
        path.chmod(0o600)
    return path.read_bytes()


def oidc_private_key_pem() -> str:
    """PEM of the RSA key signing id_tokens (RS256), published through the JWKS."""
    path = options.value("OIDC_KEY_FILE") or _data_dir() / "oidc_rsa_key.pem"
    return _load_or_create(
        path, lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ).decode()


@functools.cache
def card_private_key() -> ed25519.Ed25519PrivateKey:
    """The Ed25519 key signing virtual reader cards (terminals hold the public half)."""
    path = options.value("CARD_KEY_FILE") or _data_dir() / "card_ed25519_key.pem"
    pem = _load_or_create(path, ed25519.Ed25519PrivateKey.generate)
    return serialization.load_pem_private_key(pem, password=None)


def card_public_key_pem() -> str:
    """The public key a library terminal needs to check reader-card QR codes offline."""
    return (
        card_private_key()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
