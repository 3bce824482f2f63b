"""Virtual reader card (二维码读者卡): a short-lived, signed, single-use QR token.

Token: ``SX1.<payload>.<signature>`` (base64url). The payload holds only the reader's opaque
public id, the issuing node, times and a random token id — no personal data in clear. It is
signed with the node's Ed25519 key, so a library terminal holding the public key checks it
offline (:func:`check_offline`); :func:`verify_card_token` also refuses a second use.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import secrets
import time
from dataclasses import dataclass

import segno
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.accounts.keys import card_private_key
from shuxiang.accounts.models import CardTokenUse, User
from shuxiang.core import audit
from shuxiang.core.errors import Conflict, FieldError, PermissionDenied, ValidationFailed

PREFIX = "SX1"
LIFETIME_SECONDS = 120


@dataclass(frozen=True)
class CardToken:
    value: str
    expires_at: dt.datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(payload: dict) -> str:
    """Encode and sign ``payload`` with the node's card key."""
    body = f"{PREFIX}.{_b64(json.dumps(payload, separators=(',', ':')).encode())}"
    return f"{body}.{_b64(card_private_key().sign(body.encode()))}"


def issue_card_token(user: User, *, by, lifetime: int = LIFETIME_SECONDS) -> CardToken:
    """A fresh QR token for ``user``'s virtual card (only the reader may ask)."""
    if getattr(by, "pk", None) != user.pk or not user.is_active:
        raise PermissionDenied(_("Only the reader can show their own card."))
    now = int(time.time())
    payload = {
        "sub": str(user.public_id),
        "iss": settings.NODE_NAME,
        "iat": now,
        "exp": now + lifetime,
        "jti": secrets.token_urlsafe(12),
    }
    expires = dt.datetime.fromtimestamp(payload["exp"], tz=dt.UTC)
    return CardToken(sign(payload), expires)


def _bad(reason: str, code: str) -> ValidationFailed:
    return ValidationFailed(reason, [FieldError("token", reason, code)])


def check_offline(value: str, public_key_pem: str, *, now: float | None = None) -> dict:
    """What a terminal does without the network: signature and expiry. Returns the payload."""
    parts = (value or "").strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise _bad(_("This is not a Shuxiang reader-card code."), "malformed")
    public_key = serialization.load_pem_public_key(public_key_pem.encode())
    try:
        public_key.verify(_unb64(parts[2]), f"{parts[0]}.{parts[1]}".encode())
        payload = json.loads(_unb64(parts[1]))
    except (InvalidSignature, ValueError):
        reason = _("The code's signature is not valid: it was altered or forged.")
        raise _bad(reason, "signature") from None
    if payload.get("exp", 0) < (time.time() if now is None else now):
        raise _bad(_("The code has expired: ask the reader to refresh it."), "expired")
    return payload


def _public_pem() -> str:
    from shuxiang.accounts.keys import card_public_key_pem

    return card_public_key_pem()


@transaction.atomic
def verify_card_token(value: str, *, by) -> User:
    """Check a presented code (signature, expiry, first use) and return the reader."""
    payload = check_offline(value, _public_pem())
    expires = dt.datetime.fromtimestamp(payload["exp"], tz=dt.UTC)
    CardTokenUse.objects.filter(expires_at__lt=timezone.now()).delete()
    try:
        with transaction.atomic():
            CardTokenUse.objects.create(token_id=payload["jti"], expires_at=expires)
    except IntegrityError:
        raise Conflict.single(
            "token", _("This code was already used: ask the reader to refresh it."), "replayed"
        ) from None
    reader = User.objects.filter(public_id=payload["sub"], is_active=True).first()
    if reader is None:
        raise _bad(_("The card's account is closed."), "inactive")
    audit.record(by, "accounts.card_presented", reader)
    return reader


def qr_svg(value: str) -> str:
    """The token as an inline SVG QR code."""
    return segno.make(value, error="m").svg_inline(scale=5, border=2)
