"""Checking registration input before anything is stored, field by field."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.utils.translation import gettext as _

from shuxiang.core import options
from shuxiang.core.errors import Conflict, FieldError, ValidationFailed
from shuxiang.identifiers import dedupe, names
from shuxiang.identifiers.models import Identifier

TYPE_RE = re.compile(r"^[a-z0-9_-]{0,40}$")
METADATA_FIELDS = ("title", "creator", "date", "publisher", "language", "description", "subject")


@dataclass
class Cleaned:
    location: str
    metadata: dict
    rights: str
    fingerprint: str | None
    resource_type: str
    suffix: str | None
    metadata_key: str


SPACE_RE = re.compile(r"\s")
URI_SAFE = ":/?#[]@!$&'()*+,;=%~-._"
URL_START_RE = re.compile(r"^https?://[^/?#\s]+", re.IGNORECASE)


def clean_location(raw: str, field: str = "location") -> str:
    url = (raw or "").strip()
    if not URL_START_RE.match(url) or not urlsplit(url).netloc:
        raise ValidationFailed.single(
            field, _("Give the full http:// or https:// address where it is served."), "invalid"
        )
    if not url.isascii():  # an IRI: percent-encode it so it fits an HTTP Location header
        url = quote(url, safe=URI_SAFE)
    if len(url) > 1000 or SPACE_RE.search(url):
        raise ValidationFailed.single(field, _("The address is too long or holds spaces."))
    return url


def clean_metadata(raw: dict | None) -> dict:
    if not isinstance(raw, dict):
        raise ValidationFailed.single("metadata", _("Metadata is a mapping of field to value."))
    metadata = {k: str(v).strip() for k, v in raw.items() if v is not None and str(v).strip()}
    if not metadata.get("title"):
        raise ValidationFailed.single("metadata.title", _("Give the resource a title."), "required")
    for key, value in metadata.items():
        if len(value) > 2000:
            raise ValidationFailed.single(f"metadata.{key}", _("At most 2000 characters."))
    return metadata


def clean(
    *,
    location: str,
    metadata: dict | None,
    rights: str,
    fingerprint: str | None,
    resource_type: str = "",
    suffix: str | None = None,
) -> Cleaned:
    """Validate every field; raise one ValidationFailed listing each bad field."""
    errors: list[FieldError] = []
    values: dict = {}
    steps = [
        ("location", lambda: clean_location(location)),
        ("metadata", lambda: clean_metadata(metadata)),
        ("rights", lambda: _clean_rights(rights)),
        ("fingerprint", lambda: dedupe.clean_fingerprint(fingerprint)),
        ("resource_type", lambda: _clean_type(resource_type)),
        ("suffix", lambda: names.clean_suffix(suffix) if suffix else None),
    ]
    for key, step in steps:
        try:
            values[key] = step()
        except ValidationFailed as exc:
            errors.extend(exc.errors)
    if errors:
        raise ValidationFailed(_("The registration has errors."), errors)
    values["metadata_key"] = dedupe.metadata_key(values["metadata"])
    return Cleaned(**values)


def _clean_rights(raw: str) -> str:
    rights = (raw or "").strip()
    if not rights:
        raise ValidationFailed.single(
            "rights", _("State the rights (the library's own copyright)."), "required"
        )
    if len(rights) > 500:
        raise ValidationFailed.single("rights", _("At most 500 characters."))
    return rights


def _clean_type(raw: str) -> str:
    value = (raw or "").strip().lower()
    if not TYPE_RE.match(value):
        raise ValidationFailed.single(
            "resource_type", _("A resource type code is letters, digits, _ or -."), "invalid"
        )
    return value


def refuse_fingerprint_duplicate(fingerprint: str | None, *, exclude: int | None = None) -> None:
    """Conflict pointing at the live identifier that already holds ``fingerprint``."""
    if not fingerprint:
        return
    live = Identifier.objects.filter(
        fingerprint=fingerprint, status__in=(Identifier.Status.PENDING, Identifier.Status.ACTIVE)
    )
    if exclude is not None:
        live = live.exclude(pk=exclude)
    existing = live.values_list("name", flat=True).first()
    if existing:
        raise duplicate_conflict(existing)


def duplicate_conflict(existing: str) -> Conflict:
    error = Conflict.single(
        "fingerprint",
        _("This object is already registered as %(name)s.") % {"name": existing},
        "duplicate",
    )
    error.existing = existing
    return error


def similar_identifier(key: str, *, exclude: int | None = None) -> Identifier | None:
    """A live identifier whose normalised metadata matches ``key`` (flag for review)."""
    if not key:
        return None
    queryset = Identifier.objects.filter(
        metadata_key=key, status__in=(Identifier.Status.PENDING, Identifier.Status.ACTIVE)
    )
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude)
    return queryset.order_by("created_at").first()


def check_served(url: str, field: str = "location") -> None:
    """The URL must answer (status below 400) within ``SHUXIANG_PID_CHECK_TIMEOUT`` seconds."""
    timeout = options.value("PID_CHECK_TIMEOUT")
    status = None
    for method in ("HEAD", "GET"):
        request = urllib.request.Request(url, method=method, headers={"User-Agent": "Shuxiang"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ValidationFailed.single(
                field,
                _("%(url)s does not answer: %(reason)s.") % {"url": url, "reason": reason},
                "unreachable",
            ) from None
        if status not in (405, 501):
            break
    if status is None or status >= 400:
        raise ValidationFailed.single(
            field,
            _(
                "%(url)s answered HTTP %(status)s; only resources already served online can be "
                "registered."
            )
            % {"url": url, "status": status},
            "unreachable",
        )
