"""TOTP second factor for staff (RFC 6238: HMAC-SHA1, 30-second steps, 6 digits).

A staff member enrols (secret shown once as an ``otpauth://`` URI), confirms with a first
code, and from then on every login needs a fresh code. A code is accepted once only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import struct
import time
from urllib.parse import quote

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.accounts import pii
from shuxiang.accounts.models import StaffRole, StaffTotp, User
from shuxiang.core import audit
from shuxiang.core.errors import Conflict, FieldError, PermissionDenied, ValidationFailed

STEP, DIGITS, DRIFT = 30, 6, 1


def code_at(secret_b32: str, step: int) -> str:
    """The code for time step ``step`` (RFC 4226 dynamic truncation)."""
    key = base64.b32decode(secret_b32)
    digest = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(value % 10**DIGITS).zfill(DIGITS)


def current_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP)


def required_for(user: User) -> bool:
    """True when ``user`` has a confirmed second factor that login must ask for."""
    return StaffTotp.objects.filter(user=user, confirmed_at__isnull=False).exists()


@transaction.atomic
def begin_enrolment(user: User, *, by) -> tuple[str, str]:
    """New secret for a staff member; returns (base32 secret, otpauth URI) to show once."""
    if getattr(by, "pk", None) != user.pk:
        raise PermissionDenied(_("Only the staff member can set up their own second factor."))
    if not StaffRole.objects.filter(user=user).exists():
        raise PermissionDenied(_("The second factor is for library staff."))
    if required_for(user):
        raise Conflict.single("otp", _("Your second factor is already on."), "otp_enabled")
    secret = base64.b32encode(secrets.token_bytes(20)).decode()
    StaffTotp.objects.update_or_create(
        user=user, defaults={"secret_enc": pii.encrypt(secret), "confirmed_at": None}
    )
    label = quote(f"{settings.NODE_NAME}:{user.username}")
    uri = f"otpauth://totp/{label}?secret={secret}&issuer={quote(settings.NODE_NAME)}"
    return secret, uri


def _wrong() -> ValidationFailed:
    reason = _("The code is wrong or was already used; wait for the next one.")
    return ValidationFailed(reason, [FieldError("otp", reason, "otp_invalid")])


@transaction.atomic
def check(user: User, code: str, *, now: float | None = None, confirming: bool = False) -> None:
    """Accept ``code`` once (±1 step of clock drift) or raise ValidationFailed on ``otp``."""
    row = StaffTotp.objects.select_for_update().filter(user=user).first()
    if row is None or (row.confirmed_at is None and not confirming):
        raise _wrong()
    secret = pii.decrypt(row.secret_enc)
    step = current_step(now)
    for candidate in range(step - DRIFT, step + DRIFT + 1):
        if candidate > row.last_step and hmac.compare_digest(
            code_at(secret, candidate), (code or "").strip()
        ):
            row.last_step = candidate
            if confirming:
                row.confirmed_at = timezone.now()
            row.save()
            return
    raise _wrong()


def confirm_enrolment(user: User, code: str, *, by) -> None:
    """Switch the second factor on with a first valid code; earlier API tokens stop working."""
    if getattr(by, "pk", None) != user.pk:
        raise PermissionDenied(_("Only the staff member can set up their own second factor."))
    from shuxiang.accounts.services import revoke_all_tokens

    check(user, code, confirming=True)
    revoke_all_tokens(user, by=by, reason="second factor enrolled")
    audit.record(by, "accounts.totp_enabled", user)
