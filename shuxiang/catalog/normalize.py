"""Normalizing metadata values: script folding, ISBNs, years, languages and work keys."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_CONVERTER = None
_YEAR = re.compile(r"(?<!\d)(1\d{3}|20\d{2})(?!\d)")
_PUNCT = re.compile(r"[\W_]+", re.UNICODE)
_HAN = re.compile("[\u3400-\u9fff]")  # text OpenCC may change (others skip the converter)
_NOT_ISBN = re.compile(r"[^0-9Xx]")
LANGUAGES = {
    "zh": "zh", "chi": "zh", "zho": "zh", "chinese": "zh", "中文": "zh", "汉语": "zh",
    "en": "en", "eng": "en", "english": "en", "英文": "en", "英语": "en",
    "ja": "ja", "jpn": "ja", "fr": "fr", "fre": "fr", "fra": "fr", "de": "de", "ger": "de",
    "deu": "de", "nl": "nl", "dut": "nl", "nld": "nl", "ru": "ru", "rus": "ru",
}  # fmt: skip


def _converter():
    global _CONVERTER
    if _CONVERTER is None:
        import opencc

        _CONVERTER = opencc.OpenCC("t2s")
    return _CONVERTER


def fold(text: str) -> str:
    """Traditional → simplified Chinese, NFKC width folding and lower case."""
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text)
    if _HAN.search(text):
        text = _converter().convert(text)
    return text.lower()


def isbn13(raw: str) -> str:
    """The ISBN-13 of an ISBN-10 or ISBN-13 string (with any punctuation), or ``""``."""
    if not raw:
        return ""
    digits = _NOT_ISBN.sub("", raw.split("(")[0])
    if len(digits) == 10 and _isbn10_ok(digits):
        core = "978" + digits[:9]
        return core + _isbn13_check(core)
    if len(digits) == 13 and digits.isdigit() and _isbn13_check(digits[:12]) == digits[12]:
        return digits
    return ""


def _isbn10_ok(digits: str) -> bool:
    if not digits[:9].isdigit() or not (digits[9].isdigit() or digits[9] in "Xx"):
        return False
    values = [int(d) for d in digits[:9]] + [10 if digits[9] in "Xx" else int(digits[9])]
    return sum((10 - i) * v for i, v in enumerate(values)) % 11 == 0


def _isbn13_check(first12: str) -> str:
    total = sum(map(int, first12[0::2])) + 3 * sum(map(int, first12[1::2]))
    return str((10 - total % 10) % 10)


def year_of(raw: str) -> int | None:
    """The first plausible year (1000–2099) in a free-text date, or None."""
    match = _YEAR.search(raw or "")
    return int(match.group(1)) if match else None


def language_code(raw: str) -> str:
    """A short language code (zh, en, …) for ISO 639-1/-2 codes and common names."""
    key = (raw or "").strip().lower()
    return LANGUAGES.get(key, key[:16])


@lru_cache(maxsize=4096)
def compact(text: str) -> str:
    """Folded text without punctuation or spaces: for comparing titles and names."""
    return _PUNCT.sub("", fold(text))


def work_key(*, isbn: str, title: str, creators: list[str], year: int | None) -> str:
    """The clustering key: the ISBN-13 when known, else folded title + first creator + year."""
    if isbn:
        return f"isbn:{isbn}"
    creator = compact(creators[0]) if creators else ""
    return f"t:{compact(title)[:120]}|{creator[:60]}|{year or ''}"
