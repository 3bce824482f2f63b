"""Validation of join requests and key announcements: every problem names its field."""

from __future__ import annotations

import unicodedata
from typing import Any
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from shuxiang.core.errors import FieldError, ValidationFailed
from shuxiang.federation import keys
from shuxiang.network.models import Library

MAX_LIBRARIES = 5000


def text(data: dict, field: str, limit: int, errors: list[FieldError], required=True) -> str:
    value = data.get(field, "")
    if not isinstance(value, str):
        errors.append(FieldError(field, _("Must be text."), "type"))
        return ""
    value = unicodedata.normalize("NFKC", value).strip()
    if required and not value:
        errors.append(FieldError(field, _("This field is required."), "required"))
    elif len(value) > limit:
        errors.append(FieldError(field, _("At most %(n)d characters.") % {"n": limit}, "length"))
    elif any(ord(c) < 32 for c in value):
        errors.append(FieldError(field, _("Control characters are not allowed."), "invalid"))
    return value


def base_url(raw: Any, field: str = "base_url") -> str:
    """An http(s) URL without query, fragment or trailing slash."""
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationFailed.single(field, _("Give the node's base URL."), "required")
    value = raw.strip().rstrip("/")
    parts = urlsplit(value)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or parts.query
        or parts.fragment
        or len(value) > 300
        or not value.isascii()
        or any(c.isspace() for c in value)
    ):
        reason = _("%(value)r is not an http(s) base URL such as https://zj.example.org.")
        raise ValidationFailed.single(field, reason % {"value": raw[:100]}, "invalid")
    return value


def public_key(data: dict, errors: list[FieldError]) -> tuple[str, str]:
    raw = data.get("public_key")
    try:
        public = keys.public_key_from_b64(raw if isinstance(raw, str) else "")
    except ValueError:
        errors.append(FieldError("public_key", _("Not a raw Ed25519 key in base64url."), "key"))
        return "", ""
    key_id = keys.key_id_for(keys.raw_public(public))
    if data.get("key_id") not in (None, key_id):
        errors.append(FieldError("key_id", _("The key id does not match the key."), "key"))
    return key_id, keys.b64url(keys.raw_public(public))


def library_entry(item: Any, i: int, errors: list[FieldError]) -> dict | None:
    where = f"libraries[{i}]"
    if not isinstance(item, dict):
        errors.append(FieldError(where, _("Each library is an object."), "type"))
        return None
    sub: list[FieldError] = []
    entry = {
        "code": text(item, "code", 32, sub).upper(),
        "name": text(item, "name", 200, sub),
        "name_en": text(item, "name_en", 200, sub, required=False),
        "level": text(item, "level", 16, sub),
        "parent_code": text(item, "parent_code", 32, sub, required=False).upper(),
    }
    if entry["level"] and entry["level"] not in Library.Level.values:
        sub.append(FieldError("level", _("Unknown library level."), "choice"))
    errors.extend(FieldError(f"{where}.{e.field}", e.reason, e.code) for e in sub)
    return entry


def join_request(data: dict) -> dict:
    """The cleaned join request: name, base_url, key_id, public_key, libraries."""
    errors: list[FieldError] = []
    cleaned = {"name": text(data, "name", 100, errors)}
    try:
        cleaned["base_url"] = base_url(data.get("base_url"))
    except ValidationFailed as exc:
        errors.extend(exc.errors)
    cleaned["key_id"], cleaned["public_key"] = public_key(data, errors)
    libraries = data.get("libraries", [])
    if not isinstance(libraries, list) or len(libraries) > MAX_LIBRARIES:
        reason = _("A list of at most %(n)d libraries.") % {"n": MAX_LIBRARIES}
        errors.append(FieldError("libraries", reason, "type"))
        libraries = []
    entries = [library_entry(item, i, errors) for i, item in enumerate(libraries)]
    codes = [e["code"] for e in entries if e]
    if len(codes) != len(set(codes)):
        errors.append(FieldError("libraries", _("A library code appears twice."), "duplicate"))
    cleaned["libraries"] = [e for e in entries if e]
    if errors:
        raise ValidationFailed(_("The join request is not valid."), errors)
    return cleaned
