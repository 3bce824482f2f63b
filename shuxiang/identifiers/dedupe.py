"""Duplicate detection keys: the content fingerprint and the normalised-metadata key.

Metadata is folded before comparison so that the same work typed differently still matches:
traditional characters become simplified (OpenCC ``t2s``), full-width forms become half-width
(Unicode NFKC), letters lower case, and punctuation, symbols and spaces are dropped. The key is
the SHA-256 of folded title, creator and date digits, so it is short and indexable.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

import opencc
from django.utils.translation import gettext as _

from shuxiang.core.errors import ValidationFailed

FINGERPRINT_RE = re.compile(r"^[0-9a-f]{64}$")
_KEEP = ("L", "N")  # Unicode categories kept: letters and numbers


@lru_cache(maxsize=1)
def _converter() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def fold(text: str) -> str:
    """Simplified, half-width, lower case, without punctuation, symbols or spaces."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", str(text))
    text = _converter().convert(text).lower()
    return "".join(c for c in text if unicodedata.category(c)[0] in _KEEP)


def metadata_key(metadata: dict) -> str:
    """The duplicate key of a metadata record; empty when it has no title."""
    title = fold(metadata.get("title", ""))
    if not title:
        return ""
    creator = fold(metadata.get("creator", ""))
    date = "".join(
        c for c in unicodedata.normalize("NFKC", str(metadata.get("date", ""))) if c.isdigit()
    )
    return hashlib.sha256(f"{title}\x1f{creator}\x1f{date[:4]}".encode()).hexdigest()[:32]


def clean_fingerprint(raw: str | None, *, field: str = "fingerprint") -> str | None:
    """A SHA-256 hex digest (optionally written ``sha256:<hex>``), lower case, or None."""
    if raw is None or not str(raw).strip():
        return None
    value = str(raw).strip().lower().removeprefix("sha256:")
    if not FINGERPRINT_RE.match(value):
        raise ValidationFailed.single(
            field,
            _("A fingerprint is the SHA-256 of the object: 64 hexadecimal digits."),
            "invalid",
        )
    return value


def fingerprint_of(data: bytes) -> str:
    """The SHA-256 content fingerprint of an object's bytes."""
    return hashlib.sha256(data).hexdigest()
