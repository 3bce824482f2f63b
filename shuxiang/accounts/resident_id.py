"""Resident identity numbers (公民身份号码, GB 11643-1999): parse, validate, generate.

18 characters: 6-digit division code (GB/T 2260), birth date YYYYMMDD, 3-digit sequence (odd
for men), and an ISO 7064 MOD 11-2 check character (0-9 or X). Every failure names which part
is wrong so the reader can fix it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.accounts.person_ids import compact
from shuxiang.core.errors import FieldError, ValidationFailed

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
SHAPE = re.compile(r"^[0-9]{17}[0-9X]$")
EARLIEST_BIRTH = dt.date(1850, 1, 1)


@dataclass(frozen=True)
class ResidentId:
    number: str
    division_code: str
    birth_date: dt.date
    sequence: str

    @property
    def sex(self) -> str:
        return "male" if int(self.sequence[-1]) % 2 else "female"


def check_char(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True))
    return CHECK_CHARS[total % 11]


def normalise(raw: str) -> str:
    """NFKC (full-width digits become ASCII), whitespace removed, a trailing x upper-cased."""
    return compact(raw).upper()


def _fail(field: str, reason: str, code: str) -> ValidationFailed:
    return ValidationFailed(reason, [FieldError(field, reason, code)])


def _birth_date(number: str, field: str) -> dt.date:
    digits = number[6:14]
    try:
        born = dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise _fail(
            field,
            _("The birth date part %(digits)s is not a real date.") % {"digits": digits},
            "birth_date_invalid",
        ) from None
    if born > timezone.localdate():
        raise _fail(
            field,
            _("The birth date part %(digits)s lies in the future.") % {"digits": digits},
            "birth_date_future",
        )
    if born < EARLIEST_BIRTH:
        raise _fail(
            field,
            _("The birth date part %(digits)s is too early.") % {"digits": digits},
            "birth_date_invalid",
        )
    return born


def _known_division(code: str) -> bool:
    from shuxiang.network.models import Division

    return Division.objects.filter(code=code).exists()


def parse(raw: str, *, field: str = "id_number", known_division=_known_division) -> ResidentId:
    """Validate a resident ID number fully; raise ValidationFailed naming the wrong part.

    ``known_division`` decides whether the division code exists (current or historical
    GB/T 2260 codes by default; a faster in-memory set can be passed).
    """
    number = normalise(raw)
    if any(char.isdigit() and not char.isascii() for char in number):
        raise _fail(field, _("Write the resident ID number with the digits 0–9 and X."), "digits")
    if not SHAPE.match(number):
        raise _fail(
            field,
            _("A resident ID number has 17 digits followed by a digit or X (got %(n)d chars).")
            % {"n": len(number)},
            "format",
        )
    expected = check_char(number[:17])
    if number[17] != expected:
        raise _fail(
            field,
            _("The check character is %(got)s but should be %(expected)s: a digit is mistyped.")
            % {"got": number[17], "expected": expected},
            "check_digit",
        )
    born = _birth_date(number, field)
    if not known_division(number[:6]):
        raise _fail(
            field,
            _("The division code %(code)s is not a known administrative division.")
            % {"code": number[:6]},
            "division_unknown",
        )
    return ResidentId(number, number[:6], born, number[14:17])


def generate(division: str, birth: dt.date, sequence: int = 1) -> str:
    """A well-formed number for tests and demos (never use a real person's number)."""
    first17 = f"{division}{birth:%Y%m%d}{sequence:03d}"
    return first17 + check_char(first17)
