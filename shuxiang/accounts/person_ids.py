"""Identifiers of people written the way people type them: one normal form each.

Every identifier goes through Unicode NFKC first (full-width ``３３０６８１`` becomes ``330681``),
then loses its whitespace. Stored identifiers (mobile number, reader card number) must then be
ASCII: digits of other scripts (Arabic-Indic ``٣٣٠``, Devanagari...) are refused with a field
error, because ``\\d`` would accept them and let one person register twice. Identifiers typed at
login are folded further (every script's digits to ASCII) so each spelling reaches one account.
Resident ID numbers are handled by :mod:`shuxiang.accounts.resident_id` on the same basis.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext as _

from shuxiang.core.errors import FieldError, ValidationFailed

MOBILE = re.compile(r"^1[3-9][0-9]{9}$")
CARD = re.compile(r"^[0-9A-Z]{1,40}$")
ID_NUMBER_SHAPE = re.compile(r"^[0-9]{17}[0-9X]$", re.IGNORECASE)
_WHITESPACE = re.compile(r"\s+")


def compact(raw: str | None) -> str:
    """NFKC, then every whitespace character (any script's spaces) removed."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", raw or ""))


def _ascii_digit(char: str) -> str:
    value = unicodedata.decimal(char, None)
    return str(value) if value is not None else char


def login_form(raw: str | None) -> str:
    """The identifier a login looks up: compact, every script's digits as ASCII, ``x`` as X.

    Usernames keep their case; an 18-character resident ID number gets an upper-case X.
    """
    folded = "".join(_ascii_digit(char) for char in compact(raw))
    if ID_NUMBER_SHAPE.match(folded):
        return folded.upper()
    return folded


def _fail(field: str, reason: str, code: str) -> FieldError:
    return FieldError(field, reason, code)


def _non_ascii_digits(value: str) -> bool:
    return any(char.isdigit() and not char.isascii() for char in value)


def mobile_errors(raw: str, field: str = "mobile") -> tuple[str, list[FieldError]]:
    """(normal form, errors) of a mainland mobile number: 11 ASCII digits starting 13–19."""
    value = compact(raw)
    if _non_ascii_digits(value):
        reason = _("Write the mobile number with the digits 0–9.")
        return value, [_fail(field, reason, "digits")]
    if not MOBILE.match(value):
        reason = _("A mobile number has 11 digits and starts with 13–19.")
        return value, [_fail(field, reason, "mobile_format")]
    return value, []


def card_number(raw: str, field: str = "number") -> str:
    """The normal form of a reader card number (ASCII letters and digits, upper-case)."""
    value = compact(raw).upper()
    if _non_ascii_digits(value):
        reason = _("Write the card number with the digits 0–9 (and letters A–Z).")
        raise ValidationFailed(reason, [_fail(field, reason, "digits")])
    if not CARD.match(value):
        reason = _("A card number has up to 40 letters A–Z and digits 0–9.")
        raise ValidationFailed(reason, [_fail(field, reason, "card_format")])
    return value
