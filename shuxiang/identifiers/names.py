"""Identifier syntax: ``<root>.<sub-prefix>/<suffix>``, lower case, URL-safe.

Minted suffixes are opaque: eight random "betanumeric" characters (digits and consonants
without ``l``, so no vowels spell words and ``l``/``1`` cannot be confused) followed by one
check character computed with the NOID Check Digit Algorithm (NCDA) over the whole identifier:
each character's ordinal in the alphabet (0 for characters outside it) times its position
(from 1), summed, modulo 29. It detects every single-character substitution and every
transposition of two adjacent characters in identifiers shorter than 29 characters, which the
length limits below guarantee for minted names.
"""

from __future__ import annotations

import re
import secrets

from django.utils.translation import gettext as _

from shuxiang.core import options
from shuxiang.core.errors import ValidationFailed

ALPHABET = "0123456789bcdfghjkmnpqrstvwxz"
ORDINAL = {c: i for i, c in enumerate(ALPHABET)}
BLADE_LENGTH = 8
MINTED_LENGTH = BLADE_LENGTH + 1
MAX_ROOT = 8
MAX_SUBPREFIX = 10
MAX_SUFFIX = 128
ROOT_RE = re.compile(r"^[a-z0-9][a-z0-9.]{0,7}$")
SUBPREFIX_RE = re.compile(r"^[a-z0-9]{1,10}$")
# RFC 3986 unreserved characters, lower case; must start with a letter or digit.
SUFFIX_RE = re.compile(r"^[a-z0-9][a-z0-9._~-]{0,127}$")


def root_prefix() -> str:
    """The network's root prefix (``SHUXIANG_PID_PREFIX``), normalised."""
    return str(options.value("PID_PREFIX")).strip().lower()


def check_char(text: str) -> str:
    """The NCDA check character of ``text`` (already lower case)."""
    total = 0
    for position, char in enumerate(text, start=1):
        total += position * ORDINAL.get(char, 0)
    return ALPHABET[total % 29]


def has_valid_check(name: str) -> bool:
    """True when the last character of ``name`` is the check character of the rest."""
    return len(name) > 1 and check_char(name[:-1]) == name[-1]


def looks_minted(suffix: str) -> bool:
    """True when ``suffix`` has the shape of a minted suffix (length and alphabet)."""
    return len(suffix) == MINTED_LENGTH and all(c in ORDINAL for c in suffix)


def full_prefix(subprefix: str) -> str:
    return f"{root_prefix()}.{subprefix}"


def mint_suffix(prefix: str) -> str:
    """A new random suffix under ``prefix`` (``root.sub``), check character included."""
    blade = "".join(secrets.choice(ALPHABET) for _ in range(BLADE_LENGTH))
    return blade + check_char(f"{prefix}/{blade}")


def normalise(name: str) -> str:
    """The stored form of an identifier typed by a person: trimmed and lower case."""
    text = (name or "").strip()
    for scheme in ("hdl:", "info:hdl/"):
        if text.lower().startswith(scheme):
            text = text[len(scheme) :]
    return text.lower()


def clean_suffix(raw: str, *, field: str = "suffix") -> str:
    """Validate a suffix supplied by a library; return it normalised."""
    suffix = normalise(raw)
    if not suffix:
        raise ValidationFailed.single(field, _("The suffix is empty."), "required")
    if len(suffix) > MAX_SUFFIX:
        raise ValidationFailed.single(
            field, _("The suffix is longer than %(n)d characters.") % {"n": MAX_SUFFIX}, "too_long"
        )
    if not SUFFIX_RE.match(suffix):
        bad = sorted({c for c in suffix if not re.match(r"[a-z0-9._~-]", c)})
        reason = _(
            "The suffix may hold only letters, digits and . _ ~ - and must start with a letter "
            "or digit; found %(chars)s."
        ) % {"chars": " ".join(repr(c) for c in bad) or repr(suffix[0])}
        raise ValidationFailed.single(field, reason, "bad_characters")
    return suffix


def clean_subprefix(raw: str, *, field: str = "prefix") -> str:
    value = normalise(raw)
    if not SUBPREFIX_RE.match(value):
        raise ValidationFailed.single(
            field,
            _("A library prefix is 1 to %(n)d letters or digits.") % {"n": MAX_SUBPREFIX},
            "invalid",
        )
    return value


def split(name: str) -> tuple[str, str]:
    """``(prefix, suffix)`` of a normalised identifier; ``("", name)`` without a slash."""
    prefix, sep, suffix = name.partition("/")
    return (prefix, suffix) if sep else ("", name)
