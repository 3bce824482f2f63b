"""The resource types of SPEC §5 (seed 002's resource configuration table) and their fields.

Each type names its subtypes, the file kinds it accepts and its own fields; ``clean_extra``
validates a type's fields and reports every problem with its field name (``extra.<name>``).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

ISSN_RE = re.compile(r"^\d{4}-\d{3}[\dX]$")
ISBN_RE = re.compile(r"^(97[89])?\d{9}[\dX]$")


FIELD_LABELS = {
    "isbn": gettext_lazy("ISBN"),
    "pages": gettext_lazy("pages"),
    "edition": gettext_lazy("edition"),
    "category": gettext_lazy("category (jing/shi/zi/ji)"),
    "dynasty": gettext_lazy("dynasty"),
    "journal_title": gettext_lazy("journal title"),
    "issn": gettext_lazy("ISSN"),
    "year": gettext_lazy("year"),
    "volume": gettext_lazy("volume"),
    "issue": gettext_lazy("issue"),
    "newspaper_title": gettext_lazy("newspaper title"),
    "issue_date": gettext_lazy("issue date"),
    "page_number": gettext_lazy("page number"),
    "duration_seconds": gettext_lazy("duration (seconds)"),
    "series": gettext_lazy("series"),
    "episode": gettext_lazy("episode"),
    "speaker": gettext_lazy("speaker"),
    "opera_genre": gettext_lazy("opera genre"),
    "heritage_category": gettext_lazy("heritage category"),
    "age_range": gettext_lazy("age range"),
    "ethnic_group": gettext_lazy("ethnic group"),
    "reader": gettext_lazy("reader"),
    "work_title": gettext_lazy("work recited"),
    "place": gettext_lazy("place"),
    "taken_date": gettext_lazy("date taken"),
    "technique": gettext_lazy("technique"),
    "source_url": gettext_lazy("source address"),
    "issuing_body": gettext_lazy("issuing body"),
    "document_number": gettext_lazy("document number"),
    "published_date": gettext_lazy("date published"),
}


@dataclass(frozen=True)
class Field:
    """One type-specific field: its kind (text, int, date, url, issn, isbn, choice)."""

    name: str
    kind: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    subtypes: tuple[str, ...] = ()  # only for these subtypes (empty = every subtype)

    @property
    def label(self):
        return FIELD_LABELS.get(self.name, self.name)


@dataclass(frozen=True)
class ResourceType:
    code: str
    label: Any
    media: tuple[str, ...]  # accepted content-type prefixes of the original
    subtypes: tuple[str, ...] = ()
    fields: tuple[Field, ...] = field(default_factory=tuple)


CLASSIC_CATEGORIES = ("jing", "shi", "zi", "ji")  # 经 史 子 集
VIDEO_SUBTYPES = (
    "lecture",
    "local_opera",
    "documentary",
    "intangible_heritage",
    "children",
    "ethnic_minority",
)
IMAGE_SUBTYPES = ("new_year_painting", "old_photograph", "ethnic_minority")
BOOK_MEDIA = ("application/epub+zip", "application/pdf", "text/html", "text/plain")
IMAGE_MEDIA = ("image/",)

TYPES: dict[str, ResourceType] = {
    t.code: t
    for t in [
        ResourceType(
            "ebook",
            gettext_lazy("e-book"),
            BOOK_MEDIA,
            fields=(Field("isbn", "isbn"), Field("pages", "int"), Field("edition")),
        ),
        ResourceType(
            "classic",
            gettext_lazy("classic text"),
            BOOK_MEDIA,
            fields=(
                Field("category", "choice", True, CLASSIC_CATEGORIES),
                Field("dynasty"),
                Field("edition"),
            ),
        ),
        ResourceType(
            "journal_issue",
            gettext_lazy("e-journal issue"),
            ("application/pdf", "image/"),
            fields=(
                Field("journal_title", required=True),
                Field("issn", "issn"),
                Field("year", "int", True),
                Field("volume"),
                Field("issue", required=True),
            ),
        ),
        ResourceType(
            "newspaper_page",
            gettext_lazy("newspaper page"),
            ("application/pdf", "image/"),
            fields=(
                Field("newspaper_title", required=True),
                Field("issue_date", "date", True),
                Field("page_number", "int", True),
                Field("edition"),
            ),
        ),
        ResourceType(
            "video",
            gettext_lazy("video"),
            ("video/",),
            VIDEO_SUBTYPES,
            (
                Field("duration_seconds", "int"),
                Field("series"),
                Field("episode", "int"),
                Field("speaker", subtypes=("lecture",)),
                Field("opera_genre", subtypes=("local_opera",)),
                Field("heritage_category", subtypes=("intangible_heritage",)),
                Field("age_range", subtypes=("children",)),
                Field("ethnic_group", required=True, subtypes=("ethnic_minority",)),
            ),
        ),
        ResourceType(
            "audio",
            gettext_lazy("audio"),
            ("audio/",),
            ("recitation",),
            (Field("duration_seconds", "int"), Field("reader"), Field("work_title")),
        ),
        ResourceType(
            "image",
            gettext_lazy("image"),
            IMAGE_MEDIA,
            IMAGE_SUBTYPES,
            (
                Field("place"),
                Field("taken_date", "date", subtypes=("old_photograph",)),
                Field("technique", subtypes=("new_year_painting",)),
                Field("ethnic_group", required=True, subtypes=("ethnic_minority",)),
            ),
        ),
        ResourceType(
            "web_record",
            gettext_lazy("web / government information record"),
            ("text/html", "application/pdf", "text/plain"),
            fields=(
                Field("source_url", "url", True),
                Field("issuing_body", required=True),
                Field("document_number"),
                Field("published_date", "date"),
            ),
        ),
    ]
}
TYPE_CHOICES = [(t.code, t.label) for t in TYPES.values()]
SUBTYPE_LABELS = {
    "lecture": gettext_lazy("lecture"),
    "local_opera": gettext_lazy("local opera"),
    "documentary": gettext_lazy("documentary"),
    "intangible_heritage": gettext_lazy("intangible cultural heritage"),
    "children": gettext_lazy("children's"),
    "ethnic_minority": gettext_lazy("ethnic minority"),
    "recitation": gettext_lazy("recitation"),
    "new_year_painting": gettext_lazy("new-year painting"),
    "old_photograph": gettext_lazy("old photograph"),
}


def accepts(type_code: str, content_type: str) -> bool:
    """True when a resource of ``type_code`` may hold an original of ``content_type``."""
    spec = TYPES.get(type_code)
    return bool(spec) and any(content_type.startswith(m) for m in spec.media)


def _clean_value(spec: Field, raw: Any) -> tuple[Any, str | None]:
    """The cleaned value of one field, or the reason it is not acceptable."""
    if spec.kind == "int":
        if isinstance(raw, bool):
            return raw, _("Must be a whole number.")
        try:
            number = int(str(raw).strip())
        except ValueError:
            return raw, _("Must be a whole number.")
        return number, None if number >= 0 else _("Must not be negative.")
    text = str(raw).strip()
    if spec.kind == "date":
        try:
            datetime.date.fromisoformat(text)
        except ValueError:
            return text, _("Use a date such as 2015-06-30.")
    elif spec.kind == "url":
        try:
            URLValidator(schemes=["http", "https"])(text)
        except DjangoValidationError:
            return text, _("Use a full http:// or https:// address.")
    elif spec.kind == "issn" and not ISSN_RE.match(text.upper()):
        return text, _("Use an ISSN such as 0254-4164.")
    elif spec.kind == "isbn" and not ISBN_RE.match(text.replace("-", "").upper()):
        return text, _("Use a 10- or 13-digit ISBN.")
    elif spec.kind == "choice" and text not in spec.choices:
        return text, _("Choose one of: %(choices)s.") % {"choices": ", ".join(spec.choices)}
    return text, None


def clean_extra(type_code: str, subtype: str, extra: object) -> tuple[dict, list[tuple]]:
    """Validate the type-specific fields; return (cleaned, [(field, reason, code), ...])."""
    spec = TYPES[type_code]
    if not isinstance(extra, dict):
        return {}, [("extra", _("Must be an object of type-specific fields."), "invalid")]
    problems: list[tuple] = []
    known = {f.name: f for f in spec.fields if not f.subtypes or subtype in f.subtypes}
    cleaned: dict[str, Any] = {}
    for name, raw in extra.items():
        if name not in known:
            reason = _("Not a field of this resource type.")
            problems.append((f"extra.{name}", reason, "unknown_field"))
        elif raw not in (None, ""):
            value, reason = _clean_value(known[name], raw)
            cleaned[name] = value
            if reason:
                problems.append((f"extra.{name}", reason, "invalid"))
    for name, spec_field in known.items():
        if spec_field.required and name not in cleaned:
            problems.append((f"extra.{name}", _("This field is required."), "required"))
    return cleaned, problems
