"""Proxy gateway services: vendor definitions, entry hand-off, limits and pauses (代理认证)."""

from __future__ import annotations

import datetime as dt
import hashlib
import ipaddress
import re
import secrets
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.core import audit, options
from shuxiang.core.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from shuxiang.network import scopes
from shuxiang.network.models import Library
from shuxiang.network.queries import ancestors
from shuxiang.proxy import handoff, ports, stanzas
from shuxiang.proxy.hostnames import proxy_host
from shuxiang.proxy.models import GatewaySession, ReaderPause, UsageWindow, VendorDefinition
from shuxiang.stats import monitoring

READER_PAUSED = "reader_paused"  # the stats alert condition of a pause

ENTER_PATH = "/.sxproxy/enter"
URL_CHARS = 2000  # VendorDefinition.url
TICKET_SECONDS = 60


def gateway_root(host: str) -> str:
    """``scheme://host[:port]`` of a gateway host as readers reach it."""
    port = options.value("PROXY_GATEWAY_PORT")
    return f"{options.value('PROXY_GATEWAY_SCHEME')}://{host}" + (f":{port}" if port else "")


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    notices: list[stanzas.Notice] = field(default_factory=list)


@transaction.atomic
def import_stanzas(
    text: str, library: Library, *, by: object, field_name: str = "file"
) -> ImportReport:
    """Create or update one definition per stanza (matched by title within ``library``)."""
    scopes.require(by, library, "change the vendor definitions of")
    parsed = stanzas.parse(text)
    usable = [s for s in parsed.stanzas if s.url]
    if not usable:
        reason = _("The file holds no definition with a Title and a URL.")
        raise ValidationFailed(reason, [FieldError(field_name, reason, "no_definitions")])
    if any(len(s.url) > URL_CHARS for s in usable):
        reason = _("A URL line is longer than %(n)d characters.") % {"n": URL_CHARS}
        raise ValidationFailed(reason, [FieldError(field_name, reason, "too_long")])
    report = ImportReport(notices=parsed.notices)
    for stanza in usable:
        values = {
            "url": stanza.url,
            "hosts": [f"{o.scheme}://{o.netloc}" for o in stanza.hosts],
            "domains": stanza.domains,
            "never_proxy": stanza.never_proxy,
            "find_replace": [list(pair) for pair in stanza.find_replace],
            "mime_filters": stanza.mime_filters,
            "options": stanza.options,
            "description": stanza.description,
            "stanza": text if len(usable) == 1 else "",
        }
        vendor, created = VendorDefinition.objects.update_or_create(
            library=library, title=stanza.title[:300], defaults=values
        )
        (report.created if created else report.updated).append(vendor.title)
        audit.record(by, "proxy.vendor_imported", vendor, created=created)
    return report


def origins_of(vendor: VendorDefinition) -> list[stanzas.Origin]:
    return [o for o in (stanzas.origin_of(h) for h in vendor.hosts) if o is not None]


def vendor_for(origin: stanzas.Origin) -> VendorDefinition | None:
    """The enabled definition that proxies ``origin`` (a listed host or a Domain host)."""
    netloc = f"{origin.scheme}://{origin.netloc}"
    for vendor in VendorDefinition.objects.filter(enabled=True).select_related("library"):
        if netloc in vendor.hosts:
            return vendor
        if any(origin.host == d or origin.host.endswith("." + d) for d in vendor.domains):
            return vendor
    return None


def require_entitled(user, vendor: VendorDefinition) -> None:
    """Readers whose home library lies in the vendor library's subtree may use it."""
    home = getattr(user, "home_library", None)
    if scopes.unrestricted(user):
        return
    if home is None or not (
        home.pk == vendor.library_id or ancestors(home).filter(pk=vendor.library_id).exists()
    ):
        reason = _("%(vendor)s is licensed to the readers of %(library)s.") % {
            "vendor": vendor.title,
            "library": vendor.library.name,
        }
        raise PermissionDenied(reason, [FieldError("url", reason, "not_entitled")])


def _origin_of_url(url: str) -> stanzas.Origin:
    origin = stanzas.origin_of(url) if "://" in url else None
    if origin is None:
        reason = _("Give the vendor address as a full http or https URL.")
        raise ValidationFailed(reason, [FieldError("url", reason, "invalid")])
    return origin


@transaction.atomic
def start(user, url: str, *, by: object) -> str:
    """A signed-in reader opens ``url``: the vendor's signed hand-off when it takes one (the
    preferred path), else the gateway's entry URL with a one-time ticket."""
    origin = _origin_of_url(url)
    vendor = vendor_for(origin)
    if vendor is None:
        reason = _("No licensed database of this node is reached at %(host)s.") % {
            "host": origin.host
        }
        raise NotFound(reason, [FieldError("url", reason, "unknown_vendor")])
    require_entitled(user, vendor)
    if vendor.oidc_client_id:  # the vendor signs the reader in through the node (OIDC)
        _require_unpaused(user, vendor)
        audit.record(by, "proxy.oidc_handoff", vendor)
        return vendor.url
    if vendor.handoff_url and vendor.handoff_secret:
        return _handoff(user, vendor, by=by)
    root = _gateway_root_of(origin, vendor)
    ticket = secrets.token_urlsafe(32)
    now = timezone.now()
    GatewaySession.objects.create(
        user=user,
        key_hash=_hash(secrets.token_urlsafe(32)),  # replaced when the ticket is used
        ticket_hash=_hash(ticket),
        ticket_expires=now + dt.timedelta(seconds=TICKET_SECONDS),
        expires=now + dt.timedelta(hours=options.value("PROXY_SESSION_HOURS")),
    )
    audit.record(by, "proxy.session_started", vendor, host=origin.host)
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return f"{root}{ENTER_PATH}?ticket={ticket}&to={quote(path, safe='')}"


def _gateway_root_of(origin: stanzas.Origin, vendor: VendorDefinition) -> str:
    """``scheme://name`` of the gateway standing for ``origin``, by hostname or by port."""
    if ports.by_port():
        try:
            for other in origins_of(vendor):  # the vendor's hosts get their ports together
                ports.port_of(other)
            return ports.gateway_root(origin)
        except ports.PortsExhausted as exc:
            reason = _("No gateway port is free (SHUXIANG_PROXY_PORTS): %(why)s") % {"why": exc}
            raise NotFound(reason, [FieldError("url", reason, "no_port")]) from None
    domain = options.value("PROXY_DOMAIN")
    if not domain:
        reason = _("The proxy gateway is not configured on this node (SHUXIANG_PROXY_DOMAIN).")
        raise NotFound(reason, [FieldError("url", reason, "not_configured")])
    return gateway_root(proxy_host(origin, domain))


def _require_unpaused(user, vendor: VendorDefinition) -> None:
    pause = active_pause(user, vendor)
    if pause is not None:
        raise PermissionDenied(pause.reason, [FieldError("url", pause.reason, "paused")])


def _handoff(user, vendor: VendorDefinition, *, by: object) -> str:
    _require_unpaused(user, vendor)
    audit.record(by, "proxy.handoff", vendor, subject=handoff.subject(user, vendor))
    return handoff.url_for(user, vendor)


@transaction.atomic
def enter(ticket: str) -> str | None:
    """Exchange a one-time ticket for a new gateway cookie value; None when spent or stale."""
    key = secrets.token_urlsafe(32)
    updated = GatewaySession.objects.filter(
        ticket_hash=_hash(ticket), ticket_expires__gt=timezone.now()
    ).update(ticket_hash="", ticket_expires=None, key_hash=_hash(key))
    return key if updated == 1 and ticket else None


def session_user(key: str):
    """The reader of a gateway cookie, or None when unknown or expired."""
    row = (
        GatewaySession.objects.filter(key_hash=_hash(key), expires__gt=timezone.now())
        .select_related("user", "user__home_library")
        .first()
    )
    return row.user if row and row.user.is_active else None


def active_pause(user, vendor: VendorDefinition) -> ReaderPause | None:
    return ReaderPause.objects.filter(user=user, vendor=vendor, lifted_at=None).first()


def kind_of(content_type: str) -> str:
    kind = content_type.split(";")[0].strip().lower()
    if kind == "application/pdf":
        return "pdf"
    return "html" if kind in ("text/html", "application/xhtml+xml") else "other"


def _add(user_id: int, vendor_id: int, kind: str, hour, n: int, size: int):
    rows = UsageWindow.objects.filter(user_id=user_id, vendor_id=vendor_id, kind=kind, hour=hour)
    if not rows.update(count=F("count") + n, bytes=F("bytes") + size):
        try:
            with transaction.atomic():
                UsageWindow.objects.create(
                    user_id=user_id, vendor_id=vendor_id, kind=kind, hour=hour, count=n, bytes=size
                )
        except IntegrityError:
            rows.update(count=F("count") + n, bytes=F("bytes") + size)
    return rows


@transaction.atomic
def add_counts(rows: dict[tuple, list[int]]) -> None:
    """Add hourly counts gathered by a gateway process: (user, vendor, kind, hour) → [n, bytes]."""
    for (user_id, vendor_id, kind, hour), (n, size) in sorted(rows.items(), key=str):
        _add(user_id, vendor_id, kind, hour, n, size)


def count(user, vendor: VendorDefinition, kind: str, size: int, path: str) -> ReaderPause | None:
    """Count one proxied response; past the PDF limit, the reader's pause (made if new)."""
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    rows = _add(user.pk, vendor.pk, kind, hour, 1, size)
    if kind != "pdf":
        return None
    limit = vendor.pdf_limit_per_hour or options.value("PROXY_PDF_LIMIT_PER_HOUR")
    used = rows.values_list("count", flat=True).first() or 0
    if used <= limit:
        return None
    return active_pause(user, vendor) or pause(user, vendor, used, limit, path)


def pdfs_this_hour(user_id: int, vendor_id: int, hour) -> int:
    rows = UsageWindow.objects.filter(user_id=user_id, vendor_id=vendor_id, kind="pdf", hour=hour)
    return rows.values_list("count", flat=True).first() or 0


def pdf_breach(user, vendor: VendorDefinition, path: str) -> ReaderPause | None:
    """The reader's pause when the PDFs counted this hour pass the limit (made if new)."""
    hour = timezone.now().replace(minute=0, second=0, microsecond=0)
    used = pdfs_this_hour(user.pk, vendor.pk, hour)
    limit = vendor.pdf_limit_per_hour or options.value("PROXY_PDF_LIMIT_PER_HOUR")
    if used <= limit:
        return None
    return active_pause(user, vendor) or pause(user, vendor, used, limit, path)


@transaction.atomic
def pause(user, vendor: VendorDefinition, used: int, limit: int, path: str) -> ReaderPause:
    from shuxiang.core.actors import SYSTEM

    reason = _("%(n)d PDF downloads from %(vendor)s within an hour (limit %(limit)d).") % {
        "n": used,
        "vendor": vendor.title,
        "limit": limit,
    }
    recent = list(
        UsageWindow.objects.filter(user=user, vendor=vendor)
        .order_by("-hour")
        .values("kind", "hour", "count", "bytes")[:24]
    )
    evidence = {
        "last_path": path[:500],
        "windows": [{**r, "hour": r["hour"].isoformat()} for r in recent],
    }
    row = ReaderPause.objects.create(user=user, vendor=vendor, reason=reason, evidence=evidence)
    audit.record(SYSTEM, "proxy.reader_paused", row, reader=user.pk, used=used, limit=limit)
    libraries = [vendor.library, *([user.home_library] if user.home_library_id else [])]
    message = _("%(reader)s was paused: %(reason)s Last request: %(path)s") % {
        "reader": user.get_username(),
        "reason": reason,
        "path": path[:200],
    }
    monitoring.raise_alert(libraries, READER_PAUSED, pause_subject(row), message)
    return row


def pause_subject(row: ReaderPause) -> str:
    """The alert subject of a pause (one alert per pause, resolved when it is lifted)."""
    return f"proxy pause {row.pk}: {row.user.get_username()} @ {row.vendor.title}"[:300]


@transaction.atomic
def lift(pause_id: int, *, by: object) -> ReaderPause:
    row = ReaderPause.objects.select_related("vendor__library", "user").filter(pk=pause_id).first()
    if row is None:
        raise NotFound(_("No such pause."), [FieldError("id", _("No such pause."), "not_found")])
    scopes.require(by, row.vendor.library, "lift pauses of the vendors of")
    row.lifted_at, row.lifted_by = timezone.now(), by
    row.save(update_fields=["lifted_at", "lifted_by"])
    audit.record(by, "proxy.pause_lifted", row)
    monitoring.resolve_alerts(READER_PAUSED, pause_subject(row))
    return row


EDITABLE = (
    "egress_address", "pdf_limit_per_hour", "enabled", "search_patterns", "item_patterns",
    "handoff_url", "handoff_secret", "description",
)  # fmt: skip


def _check_patterns(data: dict, errors: list[FieldError]) -> None:
    for name in ("search_patterns", "item_patterns"):
        for index, pattern in enumerate(data.get(name) or []):
            try:
                re.compile(pattern)
            except re.error as exc:
                reason = _("Not a regular expression: %(error)s") % {"error": exc}
                errors.append(FieldError(f"{name}.{index}", reason, "invalid"))


def _check_vendor_fields(data: dict) -> None:
    errors: list[FieldError] = []
    _check_patterns(data, errors)
    address = data.get("egress_address")
    if address == "":
        data["egress_address"] = None
    elif address:
        try:
            data["egress_address"] = str(ipaddress.ip_address(address))
            if "%" in address:
                raise ValueError("scoped")
        except ValueError:
            reason = _("Give an IPv4 or IPv6 address of this machine.")
            errors.append(FieldError("egress_address", reason, "invalid"))
    url = data.get("handoff_url")
    if url and not url.startswith(("https://", "http://")):
        reason = _("Give the vendor address as a full http or https URL.")
        errors.append(FieldError("handoff_url", reason, "invalid"))
    if url and len(data.get("handoff_secret") or "x" * 32) < 32:
        reason = _("The shared key needs at least 32 characters.")
        errors.append(FieldError("handoff_secret", reason, "too_short"))
    if errors:
        raise ValidationFailed("; ".join(f"{e.field}: {e.reason}" for e in errors), errors)


def _blank(vendor: VendorDefinition, name: str):
    """What an explicit null sets: nothing for nullable fields, their empty value otherwise."""
    model_field = VendorDefinition._meta.get_field(name)
    if model_field.null:
        return None
    return model_field.get_default() if name != "enabled" else getattr(vendor, name)


@transaction.atomic
def update_vendor(pk: int, data: dict, *, by: object) -> VendorDefinition:
    """Change the editable settings of a definition (patterns, limits, egress, hand-off)."""
    vendor = VendorDefinition.objects.select_for_update().filter(pk=pk).first()
    if vendor is None:
        reason = _("No such vendor definition.")
        raise NotFound(reason, [FieldError("id", reason, "not_found")])
    scopes.require(by, vendor.library, "change the vendor definitions of")
    data = {k: v for k, v in data.items() if k in EDITABLE}
    if "handoff_url" in data and "handoff_secret" not in data:
        data["handoff_secret"] = vendor.handoff_secret
    _check_vendor_fields(data)
    for name, value in data.items():
        setattr(vendor, name, _blank(vendor, name) if value is None else value)
    vendor.save()
    audit.record(by, "proxy.vendor_changed", vendor, fields=sorted(data))  # never the key
    return vendor
