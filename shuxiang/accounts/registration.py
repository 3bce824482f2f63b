"""Reader registration: quick (mobile + password) and real-name (name + resident ID number).

Everything is validated before anything is stored; errors name the field and the reason.
"""

from __future__ import annotations

import re
import secrets

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.accounts import person_ids, pii, resident_id
from shuxiang.accounts.models import User
from shuxiang.accounts.passwords import password_errors
from shuxiang.core import audit
from shuxiang.core.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from shuxiang.network.models import Library

NAME = re.compile(r"^[\u3400-\u9fff·•A-Za-z .'-]{2,40}$")


def _mobile_errors(mobile: str) -> list[FieldError]:
    return person_ids.mobile_errors(mobile)[1]


def _name_errors(name: str) -> list[FieldError]:
    if not NAME.match(name):
        reason = _("Give your name as on your ID card (2 to 40 characters).")
        return [FieldError("real_name", reason, "name_format")]
    return []


def _check_unique(mobile: str | None, id_hash: str | None) -> None:
    if mobile and User.objects.filter(mobile_hash=pii.lookup_hash(mobile)).exists():
        raise Conflict.single(
            "mobile", _("This mobile number is already registered; log in instead."), "duplicate"
        )
    if id_hash and User.objects.filter(id_number_hash=id_hash).exists():
        raise Conflict.single(
            "id_number",
            _("This resident ID number is already registered; log in instead."),
            "duplicate",
        )


def _new_username() -> str:
    return "reader-" + secrets.token_hex(5)


def _store(user: User, password: str, by, action: str) -> User:
    user.set_password(password)
    try:
        with transaction.atomic():
            user.save()
    except IntegrityError:
        raise Conflict.single(
            "mobile", _("This account already exists; log in instead."), "duplicate"
        ) from None
    audit.record(by if by is not None else user, action, user)
    return user


def _set_mobile(user: User, mobile: str) -> None:
    user.mobile_enc = pii.encrypt(mobile)
    user.mobile_hash = pii.lookup_hash(mobile)


@transaction.atomic
def register_quick(mobile: str, password: str, *, library: Library | None = None, by=None) -> User:
    """Create a reader from a mobile number and password (快速注册)."""
    mobile = person_ids.compact(mobile)
    errors = _mobile_errors(mobile) + password_errors(password or "")
    if errors:
        raise ValidationFailed(_("Registration failed: check the marked fields."), errors)
    _check_unique(mobile, None)
    user = User(username=_new_username(), home_library=library)
    _set_mobile(user, mobile)
    return _store(user, password, by, "accounts.register_quick")


def _parse_id(id_number: str) -> tuple[resident_id.ResidentId | None, list[FieldError]]:
    try:
        return resident_id.parse(id_number), []
    except ValidationFailed as exc:
        return None, exc.errors


def apply_real_name(user: User, real_name: str, parsed: resident_id.ResidentId) -> None:
    """Record a verified real name and ID number on ``user`` (caller saves)."""
    user.real_name_enc = pii.encrypt(real_name)
    user.id_number_enc = pii.encrypt(parsed.number)
    user.id_number_hash = pii.lookup_hash(parsed.number)
    user.real_name_method = User.RealName.ID_CHECKSUM
    user.real_name_verified_at = timezone.now()


@transaction.atomic
def register_real_name(
    real_name: str,
    id_number: str,
    password: str,
    *,
    mobile: str = "",
    library: Library | None = None,
    by=None,
) -> User:
    """Create a reader with real name and resident ID number (实名注册)."""
    real_name, mobile = (real_name or "").strip(), person_ids.compact(mobile)
    parsed, errors = _parse_id(id_number)
    errors = _name_errors(real_name) + errors + password_errors(password or "")
    if mobile:
        errors += _mobile_errors(mobile)
    if errors:
        raise ValidationFailed(_("Registration failed: check the marked fields."), errors)
    _check_unique(mobile or None, pii.lookup_hash(parsed.number))
    user = User(username=_new_username(), home_library=library)
    apply_real_name(user, real_name, parsed)
    if mobile:
        _set_mobile(user, mobile)
    return _store(user, password, by, "accounts.register_real_name")


def record_real_name(user: User, real_name: str, id_number: str, method: str) -> User:
    """Validate and store a real name and ID number on ``user`` (caller checks permission)."""
    real_name = (real_name or "").strip()
    parsed, errors = _parse_id(id_number)
    errors = _name_errors(real_name) + errors
    if errors:
        raise ValidationFailed(_("Real-name verification failed."), errors)
    id_hash = pii.lookup_hash(parsed.number)
    if User.objects.filter(id_number_hash=id_hash).exclude(pk=user.pk).exists():
        _check_unique(None, id_hash)
    apply_real_name(user, real_name, parsed)
    user.real_name_method = method
    user.save()
    return user


@transaction.atomic
def verify_real_name(user: User, real_name: str, id_number: str, *, by) -> User:
    """Upgrade an existing account to real-name status (the reader themself)."""
    if getattr(by, "pk", None) != user.pk:
        raise PermissionDenied(_("Only the reader can record their own real name."))
    record_real_name(user, real_name, id_number, User.RealName.ID_CHECKSUM)
    audit.record(by, "accounts.verify_real_name", user, method=user.real_name_method)
    return user
