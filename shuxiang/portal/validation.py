"""Validation of portal input; every problem is reported with its field and reason."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from shuxiang.core.errors import FieldError, ValidationFailed

ITEM_KEY_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9:._~+-]{0,199}$")
REFERENCE_RE = re.compile(r"^\S{1,200}$")
ABSOLUTE_URL_RE = re.compile(r"^https?://[^\s/$.?#][^\s]*$", re.IGNORECASE)
SHELF_FIELDS = {"title": 120, "summary": 2000}
ENTRY_FIELDS = {"title": 200, "note": 300}


class Collector:
    """Gathers field errors so one answer names every problem at once."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str, reason: str, code: str = "invalid") -> None:
        self.errors.append(FieldError(field, reason, code))

    def raise_if_any(self, message: str) -> None:
        if self.errors:
            raise ValidationFailed(message, self.errors)


def _unknown(data: Mapping[str, Any], allowed: set[str], errors: Collector) -> None:
    for key in data:
        if key not in allowed:
            errors.add(key, _("Unknown field."), "unknown_field")


def _text(data, name: str, limit: int, errors: Collector, *, required: bool) -> str | None:
    if name not in data:
        if required:
            errors.add(name, _("This field is required."), "required")
        return None
    value = data[name]
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors.add(name, _("Must be text."))
        return None
    value = value.strip()
    if required and not value:
        errors.add(name, _("This field is required."), "required")
    elif len(value) > limit:
        errors.add(name, _("At most %(n)d characters.") % {"n": limit}, "too_long")
    return value


def _moment(data, name: str, errors: Collector) -> datetime | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, str):
        parsed = parse_datetime(value.strip())
        if parsed is None:
            errors.add(name, _("Use a date and time such as 2026-05-01T08:00."))
            return None
        value = parsed
    if not isinstance(value, datetime):
        errors.add(name, _("Use a date and time such as 2026-05-01T08:00."))
        return None
    return timezone.make_aware(value) if timezone.is_naive(value) else value


def clean_schedule(data, errors: Collector, current=None) -> dict:
    """``publish_from`` / ``publish_until`` as aware datetimes; the window must not be empty."""
    cleaned = {}
    for name in ("publish_from", "publish_until"):
        if name in data:
            cleaned[name] = _moment(data, name, errors)
    start = cleaned.get("publish_from", getattr(current, "publish_from", None))
    end = cleaned.get("publish_until", getattr(current, "publish_until", None))
    if start and end and end <= start:
        errors.add("publish_until", _("Must be later than the start of publication."), "order")
    return cleaned


def clean_shelf(data: Mapping[str, Any], *, current=None) -> dict:
    """Validate a column's or topic's fields (all of them when creating, some when editing)."""
    errors = Collector()
    known = {"title", "summary", "distributed", "publish_from", "publish_until", "embed"}
    _unknown(data, known, errors)
    cleaned: dict[str, Any] = {}
    for name, limit in SHELF_FIELDS.items():
        value = _text(data, name, limit, errors, required=name == "title" and current is None)
        if value is not None:
            cleaned[name] = value
    if "distributed" in data:
        if not isinstance(data["distributed"], bool):
            errors.add("distributed", _("Must be true or false."))
        else:
            cleaned["distributed"] = data["distributed"]
    if "embed" in data:
        cleaned["embed"] = _embedded_page(data["embed"], errors)
    cleaned.update(clean_schedule(data, errors, current))
    errors.raise_if_any(_("The column or topic is not valid."))
    return cleaned


def _embedded_page(value: object, errors: Collector) -> str:
    """A page framed under a column: a path of this node only (never another site), or ""."""
    text = value.strip() if isinstance(value, str) else None
    if text == "":
        return ""
    if text is None or len(text) > 300 or not text.isascii() or not _is_site_path(text):
        errors.add("embed", _("Use a path of this node starting with /, at most 300 characters."))
        return ""
    return text


def _is_site_path(value: str) -> bool:
    return value.startswith("/") and not value.startswith("//") and " " not in value


def clean_url(value: object, errors: Collector, field: str = "url") -> str | None:
    """A link is a path on this node ("/read/…") or an http(s) address."""
    if not isinstance(value, str) or not value.strip():
        errors.add(field, _("This field is required."), "required")
        return None
    value = value.strip()
    if len(value) > 500:
        errors.add(field, _("At most %(n)d characters.") % {"n": 500}, "too_long")
    elif _is_site_path(value) or ABSOLUTE_URL_RE.match(value):
        return value
    else:
        errors.add(field, _("Use a path starting with / or an http(s):// address."))
    return None


def clean_entry(data: Mapping[str, Any], *, current=None) -> dict:
    """Validate an entry's fields (all of them when creating, some when editing)."""
    errors = Collector()
    allowed = {"title", "url", "reference", "note", "publish_from", "publish_until"}
    _unknown(data, allowed, errors)
    cleaned: dict[str, Any] = {}
    for name, limit in ENTRY_FIELDS.items():
        value = _text(data, name, limit, errors, required=name == "title" and current is None)
        if value is not None:
            cleaned[name] = value
    if "url" in data or current is None:
        url = clean_url(data.get("url"), errors)
        if url:
            cleaned["url"] = url
    if data.get("reference") not in (None, ""):
        reference = str(data["reference"]).strip()
        if not REFERENCE_RE.match(reference):
            errors.add("reference", _("One word without spaces, at most 200 characters."))
        cleaned["reference"] = reference
    elif "reference" in data:
        cleaned["reference"] = ""
    cleaned.update(clean_schedule(data, errors, current))
    errors.raise_if_any(_("The entry is not valid."))
    return cleaned


def clean_item_key(value: object, field: str = "item_key") -> str:
    """An item key: letters, digits and ``:._~+-``, up to 200 characters, no spaces or slashes."""
    if not isinstance(value, str) or not ITEM_KEY_RE.match(value):
        raise ValidationFailed.single(
            field, _("Use letters, digits and :._~+- only (at most 200), e.g. demo:lunyu.")
        )
    return value
