"""Logging in with any identifier a reader has: card number, mobile, username, ID number.

``authenticate`` checks the lockout first, then local accounts, then the upstream identity
sources of the chosen library ("log in with your local library card").
"""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend
from django.db.models import Q
from django.utils.translation import gettext as _

from shuxiang.accounts import pii, resident_id, throttle
from shuxiang.accounts.models import User
from shuxiang.core.errors import FieldError, ServiceError, ValidationFailed
from shuxiang.core.http import client_ip
from shuxiang.network.models import Library

REMEMBER_ME_SECONDS = 14 * 24 * 3600


def candidates(identifier: str, library: Library | None = None) -> list[User]:
    """Active accounts ``identifier`` may name, most specific first (one query)."""
    identifier = identifier.strip()
    cards = Q(reader_cards__number=identifier)
    if library is not None:
        cards &= Q(reader_cards__library=library)
    match = Q(username=identifier) | cards
    digest = pii.lookup_hash(identifier)
    match |= Q(mobile_hash=digest)
    normalised = resident_id.normalise(identifier)
    if len(normalised) == 18:
        match |= Q(id_number_hash=pii.lookup_hash(normalised))
    return list(User.objects.filter(match, is_active=True).distinct()[:5])


def _invalid() -> ValidationFailed:
    reason = _("The identifier or password is wrong.")
    return ValidationFailed(reason, [FieldError("password", reason, "credentials")])


def authenticate(
    identifier: str, password: str, *, library: Library | None = None, ip: str | None = None
) -> User:
    """Return the account matching the credentials, or raise (wrong or locked out)."""
    identifier = (identifier or "").strip()
    if not identifier or not password:
        reason = _("Enter your identifier and password.")
        raise ValidationFailed(reason, [FieldError("identifier", reason, "required")])
    throttle.check(identifier, ip)
    user = next((u for u in candidates(identifier, library) if u.check_password(password)), None)
    if user is None and library is not None:
        from shuxiang.accounts.sources import authenticate_upstream

        user = authenticate_upstream(library, identifier, password)
    if user is None:
        throttle.failed(identifier, ip)
        raise _invalid()
    throttle.succeeded(identifier)
    return user


class IdentifierBackend(ModelBackend):
    """Django auth backend over :func:`authenticate` (used by ``django.contrib.auth``)."""

    def authenticate(self, request, username=None, password=None, library=None, **kwargs):
        try:
            return authenticate(
                username or "", password or "", library=library, ip=client_ip(request)
            )
        except ServiceError:
            return None
