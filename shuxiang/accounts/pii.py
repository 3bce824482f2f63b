"""Personal data at rest: AES-GCM encryption, keyed-hash look-ups and masking.

Keys derive from ``SHUXIANG_PII_KEY``; without it (embedded demo only) they derive from the
secret key, and ``shuxiang check`` warns in server mode.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from shuxiang.accounts.person_ids import compact
from shuxiang.core import options

VERSION = "v1"


def _master() -> bytes:
    configured = options.value("PII_KEY")
    if configured:
        return configured.encode()
    return ("demo-pii:" + settings.SECRET_KEY).encode()


@functools.cache
def _derived(purpose: str, master: bytes) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"shuxiang-pii", info=purpose.encode()
    ).derive(master)


def _key(purpose: str) -> bytes:
    return _derived(purpose, _master())


def encrypt(plain: str) -> str:
    """Encrypt ``plain``; empty stays empty. Output: ``v1:<base64(nonce|ciphertext)>``."""
    if not plain:
        return ""
    nonce = os.urandom(12)
    sealed = AESGCM(_key("encrypt")).encrypt(nonce, plain.encode(), VERSION.encode())
    return f"{VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(token: str) -> str:
    """Reverse :func:`encrypt` (raises on tampering or a wrong key)."""
    if not token:
        return ""
    version, _, body = token.partition(":")
    raw = base64.urlsafe_b64decode(body.encode())
    return AESGCM(_key("encrypt")).decrypt(raw[:12], raw[12:], version.encode()).decode()


def lookup_hash(value: str) -> str | None:
    """Keyed hash (HMAC-SHA256) of an identifier's normal form, for unique look-ups.

    The normal form (NFKC, no whitespace, upper-case) is applied here too, so the unique
    constraints on the hashes hold whichever path stored the value.
    """
    if not value:
        return None
    normalised = compact(value).upper().encode()
    return hmac.new(_key("lookup"), normalised, hashlib.sha256).hexdigest()


def mask_id_number(number: str) -> str:
    """``330***********123X`` style: province prefix and last four only."""
    if not number:
        return ""
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_mobile(number: str) -> str:
    """``138****5678``."""
    if not number:
        return ""
    return number[:3] + "*" * (len(number) - 7) + number[-4:]


def mask_name(name: str) -> str:
    """Family name kept, the rest starred: ``张**``."""
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_card(number: str) -> str:
    """Reader card numbers: last four digits only."""
    if len(number) <= 4:
        return "*" * len(number)
    return "*" * (len(number) - 4) + number[-4:]
