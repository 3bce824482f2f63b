"""Validation of library input: every problem is reported with its field and reason."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from shuxiang.core.errors import FieldError, ValidationFailed
from shuxiang.network.models import Division, Library

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,31}$")
HOST_RE = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)+$"
)
COLOR_RE = re.compile(r"^#[0-9a-fA-F]{6}$")
SITE_PATH_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
LEVEL_RANK = {level: rank for rank, level in enumerate(Library.Level.values)}
TEXT_LIMITS = {"name": 200, "name_en": 200, "address": 300, "contact_phone": 40, "node": 100}
BRANDING_KEYS = {"logo", "primary_color", "accent_color", "slogan"}
EDITABLE = {
    "name",
    "name_en",
    "level",
    "is_sub_provincial",
    "is_childrens",
    "parent",
    "division",
    "address",
    "contact_email",
    "contact_phone",
    "site_path",
    "branding",
    "node",
    "ip_ranges",
    "domains",
}


class Collector:
    """Gathers field errors so one response names every problem at once."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, field: str, reason: str, code: str = "invalid") -> None:
        self.errors.append(FieldError(field, reason, code))

    def raise_if_any(self, message: str | None = None) -> None:
        if self.errors:
            raise ValidationFailed(message or _("The library data is not valid."), self.errors)


def parse_cidr(
    raw: object, field: str = "ip_ranges"
) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
    """Parse a CIDR block strictly (host bits must be zero) or raise ValidationFailed."""
    if not isinstance(raw, str) or "/" not in raw:
        raise ValidationFailed.single(
            field, _("%(value)r is not a CIDR block such as 10.30.48.0/20.") % {"value": raw}
        )
    try:
        return ipaddress.ip_network(raw.strip(), strict=True)
    except ValueError as exc:
        raise ValidationFailed.single(
            field, _("%(value)r is not a valid CIDR block: %(why)s.") % {"value": raw, "why": exc}
        ) from None


def bounds(network: ipaddress.IPv4Network | ipaddress.IPv6Network) -> tuple[str, str]:
    """The first and last address as sortable 32-digit hex (IPv4 mapped into IPv6 space)."""
    offset = 0 if network.version == 6 else 0xFFFF00000000
    first = int(network.network_address) + offset
    last = int(network.broadcast_address) + offset
    return f"{first:032x}", f"{last:032x}"


def address_key(address: str) -> str:
    """The sortable hex key of one IP address, comparable with ``bounds``."""
    ip = ipaddress.ip_address(address)
    offset = 0 if ip.version == 6 else 0xFFFF00000000
    return f"{int(ip) + offset:032x}"


def clean_fields(data: Mapping[str, Any], *, creating: bool) -> dict[str, Any]:
    """Return the cleaned library fields or raise ValidationFailed naming each bad field."""
    errors = Collector()
    allowed = EDITABLE | ({"code"} if creating else set())
    for key in data:
        if key not in allowed:
            reason = (
                _("The code of a library cannot be changed.")
                if key == "code"
                else _("Unknown field.")
            )
            errors.add(key, reason, "unknown_field")
    cleaned: dict[str, Any] = {}
    if creating:
        for required in ("code", "name", "level"):
            if not data.get(required):
                errors.add(required, _("This field is required."), "required")
    _clean_scalars(data, cleaned, errors)
    _clean_references(data, cleaned, errors)
    if "ip_ranges" in data:
        cleaned["ip_ranges"] = _clean_ip_ranges(data["ip_ranges"], errors)
    if "domains" in data:
        cleaned["domains"] = _clean_domains(data["domains"], errors)
    errors.raise_if_any()
    return cleaned


def _clean_scalars(data: Mapping[str, Any], cleaned: dict, errors: Collector) -> None:
    if data.get("code"):
        code = str(data["code"]).strip().upper()
        if not CODE_RE.match(code):
            errors.add(
                "code", _("Use 2–32 letters, digits or hyphens, starting with a letter or digit.")
            )
        cleaned["code"] = code
    for field, limit in TEXT_LIMITS.items():
        if field in data:
            text = str(data[field] or "").strip()
            if len(text) > limit:
                errors.add(field, _("At most %(n)d characters.") % {"n": limit}, "too_long")
            if field == "name" and not text:
                errors.add(field, _("This field is required."), "required")
            cleaned[field] = text
    if "level" in data:
        if data["level"] not in LEVEL_RANK:
            errors.add(
                "level",
                _("Choose one of: %(levels)s.") % {"levels": ", ".join(Library.Level.values)},
            )
        cleaned["level"] = data["level"]
    for flag in ("is_sub_provincial", "is_childrens"):
        if flag in data:
            if not isinstance(data[flag], bool):
                errors.add(flag, _("Must be true or false."))
            cleaned[flag] = bool(data[flag])
    if data.get("contact_email"):
        try:
            validate_email(data["contact_email"])
        except DjangoValidationError:
            errors.add("contact_email", _("Not a valid e-mail address."))
    if "contact_email" in data:
        cleaned["contact_email"] = (data["contact_email"] or "").strip()
    if "site_path" in data:
        site_path = (data["site_path"] or "").strip().lower()
        if site_path and not SITE_PATH_RE.match(site_path):
            errors.add("site_path", _("Use lower-case letters, digits and hyphens."))
        cleaned["site_path"] = site_path
    if "branding" in data:
        cleaned["branding"] = _clean_branding(data["branding"], errors)


def _clean_branding(branding: object, errors: Collector) -> dict:
    if not isinstance(branding, dict):
        errors.add("branding", _("Must be an object."))
        return {}
    for key, val in branding.items():
        if key not in BRANDING_KEYS:
            errors.add(f"branding.{key}", _("Unknown branding key."), "unknown_field")
        elif key.endswith("_color") and not COLOR_RE.match(str(val)):
            errors.add(f"branding.{key}", _("Use a colour such as #1a5fb4."))
    return dict(branding)


def _clean_references(data: Mapping[str, Any], cleaned: dict, errors: Collector) -> None:
    if data.get("parent"):
        parent = Library.objects.filter(code=str(data["parent"]).strip().upper()).first()
        if parent is None:
            errors.add(
                "parent",
                _("No library has the code %(code)s.") % {"code": data["parent"]},
                "unknown",
            )
        cleaned["parent"] = parent
    elif "parent" in data:
        cleaned["parent"] = None
    if data.get("division"):
        code = str(data["division"]).strip()
        division = Division.objects.filter(code=code).first()
        if not re.fullmatch(r"\d{6}", code):
            errors.add("division", _("A division code has six digits (GB/T 2260)."))
        elif division is None:
            errors.add(
                "division",
                _("%(code)s is not a known GB/T 2260 division code.") % {"code": code},
                "unknown",
            )
        cleaned["division"] = division
    elif "division" in data:
        cleaned["division"] = None


def _clean_ip_ranges(value: object, errors: Collector) -> list[dict]:
    if not isinstance(value, list):
        errors.add("ip_ranges", _("Must be a list of CIDR blocks."))
        return []
    result, seen = [], []
    for index, item in enumerate(value):
        raw, label = (
            (item.get("cidr"), item.get("label", "")) if isinstance(item, dict) else (item, "")
        )
        try:
            network = parse_cidr(raw, f"ip_ranges[{index}]")
        except ValidationFailed as exc:
            errors.errors.extend(exc.errors)
            continue
        for other in seen:
            if network.version == other.version and network.overlaps(other):
                errors.add(
                    f"ip_ranges[{index}]",
                    _("%(a)s overlaps %(b)s in the same list.") % {"a": network, "b": other},
                    "overlap",
                )
        seen.append(network)
        result.append({"network": network, "label": str(label or "")[:100]})
    return result


def _clean_domains(value: object, errors: Collector) -> list[str]:
    if not isinstance(value, list):
        errors.add("domains", _("Must be a list of host names."))
        return []
    hosts = []
    for index, raw in enumerate(value):
        host = str(raw).strip().lower().rstrip(".")
        if not HOST_RE.match(host):
            errors.add(f"domains[{index}]", _("%(host)r is not a host name.") % {"host": raw})
        hosts.append(host)
    return hosts


def check_placement(library_level: str, parent: Library | None, errors: Collector) -> None:
    """A library sits below a higher level; only the national library has no parent."""
    if parent is None:
        if library_level != Library.Level.NATIONAL:
            errors.add(
                "parent", _("Every library except the national one needs a parent."), "required"
            )
        return
    if LEVEL_RANK.get(library_level, 99) <= LEVEL_RANK[parent.level]:
        errors.add(
            "level",
            _("A %(level)s library cannot sit below a %(parent)s library.")
            % {"level": library_level, "parent": parent.level},
            "hierarchy",
        )


def check_division_inside(
    division: Division | None, parent: Library | None, errors: Collector
) -> None:
    """A library's division must lie inside its parent's division when both are set."""
    if division and parent and parent.division and not parent.division.contains(division):
        errors.add(
            "division",
            _("%(code)s lies outside %(parent)s (%(pcode)s).")
            % {"code": division.code, "parent": parent.name, "pcode": parent.division.code},
            "outside_parent",
        )


def iter_networks(items: Iterable[dict]):
    for item in items:
        yield item["network"], item["label"]
