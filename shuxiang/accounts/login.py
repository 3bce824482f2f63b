"""The one login service (登录): every way in — the login page, its second step, the API token
endpoint and therefore the OIDC login, which goes through the login page — calls it.

1. The identifier is brought to its normal form (:func:`person_ids.login_form`) and resolved to
   the accounts it may name: username, reader card, mobile number or resident ID number.
2. Lockouts are checked per account (not per spelling), per account and source, and per source
   (:mod:`shuxiang.accounts.lockouts`).
3. The password is verified with the same work whether or not the account exists: an unknown
   identifier costs one argon2 verification against a dummy hash.
4. Staff with a second factor must then give a one-time code; wrong codes count like wrong
   passwords, and a right password clears nothing until the whole login succeeds.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.contrib.auth.hashers import check_password, make_password
from django.db.models import Q
from django.utils.translation import gettext as _

from shuxiang.accounts import lockouts, person_ids, pii, totp
from shuxiang.accounts.models import User
from shuxiang.core.errors import FieldError, ValidationFailed
from shuxiang.network.models import Library

REMEMBER_ME_SECONDS = 14 * 24 * 3600


@dataclass(frozen=True)
class FirstStep:
    """A right password. ``needs_code``: the login is complete only after :func:`second_step`."""

    user: User
    needs_code: bool


def candidates(identifier: str, library: Library | None = None) -> list[User]:
    """Active accounts a normalised ``identifier`` may name, most specific first (one query)."""
    digest = pii.lookup_hash(identifier)
    cards = Q(reader_cards__number_hash=digest)
    if library is not None:
        cards &= Q(reader_cards__library=library)
    match = Q(username=identifier) | cards | Q(mobile_hash=digest)
    if person_ids.ID_NUMBER_SHAPE.match(identifier):
        match |= Q(id_number_hash=digest)
    return list(User.objects.filter(match, is_active=True).distinct().order_by("pk")[:5])


@functools.cache
def _dummy_hash() -> str:
    return make_password("not-a-password-0")


def _verify(users: list[User], password: str) -> User | None:
    """Check ``password`` against each candidate; at least one full hash verification runs."""
    found = None
    for user in users:
        if user.has_usable_password():
            if user.check_password(password) and found is None:
                found = user
        else:
            check_password(password, _dummy_hash())
    if not users:
        check_password(password, _dummy_hash())
    return found


def _names(users: list[User], identifier: str) -> list[str]:
    """Lockout names: the accounts themselves, or the normalised identifier when unknown."""
    if users:
        return [str(user.pk) for user in users]
    return ["?" + (pii.lookup_hash(identifier) or "")]


def _invalid() -> ValidationFailed:
    reason = _("The identifier or password is wrong.")
    return ValidationFailed(reason, [FieldError("password", reason, "credentials")])


def first_step(
    identifier: str, password: str, *, library: Library | None = None, source: str = ""
) -> FirstStep:
    """Check identifier and password; raise ValidationFailed, LockedOut or LoginUnavailable."""
    identifier = person_ids.login_form(identifier)
    if not identifier or not password:
        reason = _("Enter your identifier and password.")
        raise ValidationFailed(reason, [FieldError("identifier", reason, "required")])
    users = candidates(identifier, library)
    names = _names(users, identifier)
    lockouts.check(names, source)
    user = _verify(users, password)
    if user is None and library is not None:
        from shuxiang.accounts.sources import authenticate_upstream

        user = authenticate_upstream(library, identifier, password)
    if user is None:
        lockouts.failed(names, source)
        raise _invalid()
    if totp.required_for(user):
        return FirstStep(user, needs_code=True)
    lockouts.succeeded(str(user.pk), source)
    return FirstStep(user, needs_code=False)


def second_step(user: User, code: str, *, source: str = "") -> User:
    """Check the one-time code of a login whose password was right (throttled the same way)."""
    names = [str(user.pk)]
    lockouts.check(names, source)
    try:
        totp.check(user, code)
    except ValidationFailed:
        lockouts.failed(names, source)
        raise
    lockouts.succeeded(str(user.pk), source)
    return user


def log_in(
    identifier: str,
    password: str,
    *,
    code: str = "",
    library: Library | None = None,
    source: str = "",
) -> User:
    """Both steps at once (API clients send the code with the password)."""
    step = first_step(identifier, password, library=library, source=source)
    if not step.needs_code:
        return step.user
    if not (code or "").strip():
        raise ValidationFailed.single("otp", _("Staff logins need the TOTP code."), "otp_required")
    return second_step(step.user, code, source=source)
