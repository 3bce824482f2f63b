"""Validation of resource metadata: every problem is reported with its field and reason."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from shuxiang.core.errors import FieldError, ValidationFailed
from shuxiang.resources.models import Resource
from shuxiang.resources.types import TYPES, clean_extra

DATE_RE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
TEXT_LIMITS = {
    "title": 500,
    "creator": 300,
    "contributor": 300,
    "publisher": 300,
    "rights": 500,
    "licence": 100,
    "description": 20000,
}
EDITABLE = {
    *TEXT_LIMITS,
    "type",
    "subtype",
    "titles",
    "date",
    "subjects",
    "language",
    "access",
    "extra",
}


class Collector:
    """Gathers field errors so one answer names every problem at once."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str, reason: str, code: str = "invalid") -> None:
        self.errors.append(FieldError(field, reason, code))

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(_("The resource data is not valid."), self.errors)


def clean_metadata(data: Mapping[str, Any], *, current: Resource | None = None) -> dict[str, Any]:
    """Return cleaned resource fields or raise ValidationFailed naming each bad field.

    With ``current`` (an update), missing fields keep their stored values for the cross-field
    checks (type, subtype and extra are validated together).
    """
    errors = Collector()
    for key in data:
        if key not in EDITABLE:
            errors.add(key, _("Unknown field."), "unknown_field")
    cleaned: dict[str, Any] = {}
    _clean_texts(data, cleaned, errors, creating=current is None)
    _clean_lists(data, cleaned, errors)
    _clean_choices(data, cleaned, errors)
    _clean_type(data, cleaned, errors, current)
    errors.raise_if_any()
    return cleaned


def _clean_texts(data: Mapping, cleaned: dict, errors: Collector, *, creating: bool) -> None:
    for name, limit in TEXT_LIMITS.items():
        if name not in data:
            continue
        text = str(data[name] or "").strip()
        if len(text) > limit:
            errors.add(name, _("At most %(n)d characters.") % {"n": limit}, "too_long")
        cleaned[name] = text
    if (creating or "title" in data) and not cleaned.get("title"):
        errors.add("title", _("This field is required."), "required")
    if data.get("date"):
        date = str(data["date"]).strip()
        if not DATE_RE.match(date):
            errors.add("date", _("Use YYYY, YYYY-MM or YYYY-MM-DD (e.g. 1936 or 1936-10-19)."))
        cleaned["date"] = date
    elif "date" in data:
        cleaned["date"] = ""
    if "language" in data:
        language = str(data["language"] or "").strip()
        if not LANG_RE.match(language):
            errors.add("language", _("Use a language tag such as zh-Hans, en or bo."))
        cleaned["language"] = language


def _clean_lists(data: Mapping, cleaned: dict, errors: Collector) -> None:
    if "titles" in data:
        titles = data["titles"] or {}
        if not isinstance(titles, dict):
            errors.add("titles", _("Give titles as an object of language tag → title."))
            titles = {}
        for lang, text in titles.items():
            if not LANG_RE.match(str(lang)):
                errors.add(f"titles.{lang}", _("Use a language tag such as zh-Hans, en or bo."))
            elif not isinstance(text, str) or not text.strip():
                errors.add(f"titles.{lang}", _("The title must be non-empty text."), "required")
        cleaned["titles"] = {k: str(v).strip() for k, v in titles.items()}
    if "subjects" in data:
        subjects = data["subjects"] or []
        if isinstance(subjects, str):
            subjects = [s for s in re.split(r"[;；,，]", subjects)]
        if not isinstance(subjects, list) or not all(isinstance(s, str) for s in subjects):
            errors.add("subjects", _("Give subjects as a list of terms."))
            subjects = []
        cleaned["subjects"] = [s.strip() for s in subjects if s.strip()]


def _clean_choices(data: Mapping, cleaned: dict, errors: Collector) -> None:
    if "access" in data:
        if data["access"] not in Resource.Access.values:
            errors.add(
                "access",
                _("Choose one of: %(choices)s.") % {"choices": ", ".join(Resource.Access.values)},
            )
        cleaned["access"] = data["access"]


def _clean_type(data: Mapping, cleaned: dict, errors: Collector, current: Resource | None) -> None:
    type_code = data.get("type", current.type if current else None)
    if current is not None and "type" in data and data["type"] != current.type:
        errors.add("type", _("The type of a resource cannot be changed."), "immutable")
        return
    if type_code not in TYPES:
        choices = ", ".join(TYPES)
        if not type_code:
            errors.add("type", _("This field is required."), "required")
        else:
            errors.add("type", _("Choose one of: %(choices)s.") % {"choices": choices})
        return
    cleaned["type"] = type_code
    spec = TYPES[type_code]
    subtype = str(data.get("subtype", current.subtype if current else "") or "").strip()
    if spec.subtypes and subtype not in spec.subtypes:
        choices = ", ".join(spec.subtypes)
        errors.add("subtype", _("Choose one of: %(choices)s.") % {"choices": choices}, "required")
    elif not spec.subtypes and subtype:
        errors.add("subtype", _("This resource type has no subtypes."))
    cleaned["subtype"] = subtype
    if "extra" in data or current is None or "subtype" in data:
        extra = data.get("extra", current.extra if current else {})
        cleaned["extra"], problems = clean_extra(type_code, subtype, extra or {})
        for field, reason, code in problems:
            errors.add(field, reason, code)
