"""Signed hand-off (签名交接): the node asserts a reader's entitlement to a vendor directly.

For vendors that accept it this is the preferred path: the reader's browser goes to the
vendor itself (no gateway in between), carrying a short-lived token the node signs with a key
shared with that vendor (a compact JWS, HS256). The token names no one: its subject is a
pseudonym that is stable for one reader and one vendor and differs between vendors (as
OpenAthens' targeted ids do), so vendors cannot join their logs.

Claims: ``iss`` (the node's base URL), ``aud`` (the vendor's hand-off URL), ``sub`` (the
pseudonym), ``entitlement`` (``urn:shuxiang:library:<code>``, the licensing library),
``iat``/``exp`` (valid for ``LIFETIME`` seconds) and ``jti`` (one-time use, for the vendor).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from urllib.parse import urlencode

from django.conf import settings

from shuxiang.core.http import base_url

LIFETIME = 60


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def subject(user, vendor) -> str:
    """The reader's pseudonym for ``vendor``: stable for the pair, unlinkable across vendors."""
    key = hmac.new(settings.SECRET_KEY.encode(), b"shuxiang-proxy-handoff", "sha256").digest()
    return hmac.new(key, f"{vendor.pk}:{user.pk}".encode(), "sha256").hexdigest()[:32]


def claims(user, vendor, now: float | None = None) -> dict:
    issued = int(now if now is not None else time.time())
    return {
        "iss": base_url(),
        "aud": vendor.handoff_url,
        "sub": subject(user, vendor),
        "entitlement": f"urn:shuxiang:library:{vendor.library.code}",
        "iat": issued,
        "exp": issued + LIFETIME,
        "jti": secrets.token_urlsafe(16),
    }


def sign(payload: dict, key: str) -> str:
    """A compact JWS (HS256) of ``payload``."""
    head = _b64(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = _b64(json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode())
    mac = hmac.new(key.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{_b64(mac)}"


def url_for(user, vendor) -> str:
    """The vendor's hand-off URL with a fresh token for ``user``."""
    token = sign(claims(user, vendor), vendor.handoff_secret)
    joiner = "&" if "?" in vendor.handoff_url else "?"
    return f"{vendor.handoff_url}{joiner}{urlencode({'token': token})}"
