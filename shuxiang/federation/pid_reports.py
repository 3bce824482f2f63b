"""Identifier reports up the tree (标识上报): each change at a child reaches its parent.

Sending: every write to a resolve row (registration, update, mirrors, transfer, withdrawal,
batch import) adds the name to ``IdentifierOutbox`` in the same transaction and defers a
``core.jobs`` job. The job sends the *current* state of each queued name (version, status,
location, the stored Handle-style record and its ETag) in signed batches to the parent, and
deletes the outbox rows only after the parent has answered — an outage or a kill loses
nothing, and a resend is harmless.

Receiving: the parent checks every item's prefix against the prefixes it delegated to the
reporting node (refusing the whole request, naming each item, when one falls outside), keeps
the newest version per name (a resend or an older, late report changes nothing), and writes
the resolve table, so the resolver (and its fast path) answers the name at once. A node that
has a parent of its own forwards what it received, so the root learns a city's identifiers
through the province.
"""

from __future__ import annotations

import json
import logging
import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.core import audit, jobs
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from shuxiang.federation import delegation
from shuxiang.federation.models import IdentifierOutbox, Node, RemoteIdentifier
from shuxiang.identifiers import hooks, names, validation
from shuxiang.identifiers.models import Identifier, ResolveEntry

log = logging.getLogger("shuxiang.federation")
SEND = "federation.report_identifiers"
PUBLIC = ("active", "withdrawn")
MAX_ITEMS = 500
ETAG_RE = re.compile(r"^[0-9a-f]{1,40}$")
RECORD_KEYS = {"u", "m", "t", "r", "o", "c", "s", "w", "ts"}
REPORT_PATH = "/federation/peer/identifiers/report"


def queue(changed: list[str]) -> None:
    """Change listener: queue ``changed`` for the parent (no parent, nothing to do)."""
    if Node.parent() is None:
        return
    IdentifierOutbox.objects.bulk_create([IdentifierOutbox(name=name) for name in changed])
    jobs.defer(SEND, {"count": len(changed)})


def state_of(name: str) -> dict | None:
    """What is reported of ``name``: its public resolve row and version, else None."""
    row = ResolveEntry.objects.filter(name=name, status__in=PUBLIC).values().first()
    if row is None:
        return None
    version = Identifier.objects.filter(name=name).values_list("version", flat=True).first()
    if version is None:
        version = RemoteIdentifier.objects.filter(name=name).values_list("version", flat=True)[0]
    return {
        "name": name,
        "version": version,
        "status": row["status"],
        "location": row["target"],
        "etag": row["etag"],
        "record": row["record"],
    }


def queued() -> int:
    """How many changes wait to be reported."""
    return IdentifierOutbox.objects.count()


def sync_step(node: Node, progress=None) -> str:
    """The ``identifiers`` step of ``shuxiang federation sync`` (toward the parent)."""
    if progress is not None:
        progress.total = queued()
    accepted = send(progress=progress)
    return f"{accepted} identifier changes reported, {queued()} queued"


def send_job(job) -> None:
    """``core.jobs`` handler: send everything queued."""
    send()


def send(*, batch_size: int = 200, progress=None) -> int:
    """Send every queued change to the parent in batches; returns the items it accepted."""
    from shuxiang.federation.signing import peer_session

    parent = Node.parent()
    if parent is None:
        return 0
    session, accepted = peer_session(parent), 0
    while True:
        rows = list(IdentifierOutbox.objects.order_by("pk").values_list("pk", "name")[:batch_size])
        if not rows:
            return accepted
        items = [s for name in dict.fromkeys(n for _pk, n in rows) if (s := state_of(name))]
        accepted += _post(session, parent, items)
        IdentifierOutbox.objects.filter(pk__in=[pk for pk, _n in rows]).delete()
        if progress is not None:
            progress.update(len(rows))


def _post(session, parent: Node, items: list[dict]) -> int:
    """POST ``items``; items the parent refuses are logged and left out of a second try."""
    if not items:
        return 0
    response = session.post(parent.base_url + REPORT_PATH, json={"items": items})
    if response.status_code in (403, 409):
        refused = _refused_indexes(response)
        if refused:
            for index in sorted(refused):
                log.error(
                    "parent %s refused the report of %s: %s",
                    parent.base_url,
                    items[index]["name"],
                    response.text[:300],
                )
            return _post(session, parent, [i for n, i in enumerate(items) if n not in refused])
    if response.status_code != 200:
        raise RuntimeError(
            f"{parent.base_url} answered {response.status_code}: {response.text[:300]}"
        )
    return int(response.json().get("accepted", 0))


def _refused_indexes(response) -> set[int]:
    try:
        errors = response.json().get("errors", [])
    except ValueError:
        return set()
    found = (re.match(r"^items\[([0-9]+)\]", str(e.get("field", ""))) for e in errors)
    return {int(m.group(1)) for m in found if m}


def clean_item(index: int, raw: object) -> dict:
    """One reported item, checked field by field (errors name ``items[i].field``)."""

    def refuse(field: str, reason: str, code: str = "invalid"):
        raise ValidationFailed.single(f"items[{index}].{field}", reason, code)

    if not isinstance(raw, dict):
        refuse("name", _("Each item is an object."))
    name = names.normalise(str(raw.get("name", "")))
    sub = delegation.subprefix_of(name) if len(name) <= 160 else None
    if sub is None or not names.SUFFIX_RE.match(names.split(name)[1]):
        refuse("name", _("Not an identifier under this network's root prefix."))
    version = raw.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or not 0 < version < 2**31:
        refuse("version", _("The version is a whole number from 1."))
    status = raw.get("status")
    if status not in PUBLIC:
        refuse("status", _("The status is active or withdrawn."))
    location = validation.clean_location(str(raw.get("location", "")), f"items[{index}].location")
    etag = str(raw.get("etag", ""))
    if not ETAG_RE.match(etag):
        refuse("etag", _("The ETag is 1 to 40 hexadecimal digits."))
    record = raw.get("record")
    try:
        data = json.loads(record) if isinstance(record, str) and len(record) <= 20000 else None
    except ValueError:
        data = None
    if not isinstance(data, dict) or not set(data) <= RECORD_KEYS or data.get("s") != status:
        refuse("record", _("The record is the stored form of the identifier, with its status."))
    return {
        "name": name,
        "sub": sub,
        "version": version,
        "status": status,
        "location": location,
        "etag": etag,
        "record": record,
    }


@transaction.atomic
def receive(node: Node, items: object) -> dict:
    """Apply a child node's report; returns ``{"accepted", "unchanged"}``."""
    if node.relation != Node.Relation.CHILD:
        raise PermissionDenied(_("Only child nodes report identifiers to this node."))
    if not isinstance(items, list) or not 0 < len(items) <= MAX_ITEMS:
        raise ValidationFailed.single(
            "items", _("Send 1 to %(n)d items.") % {"n": MAX_ITEMS}, "invalid"
        )
    cleaned = [clean_item(i, raw) for i, raw in enumerate(items)]
    _require_delegated(node, cleaned)
    by_name = {item["name"]: item for item in cleaned}
    local = set(Identifier.objects.filter(name__in=by_name).values_list("name", flat=True))
    if local:
        index = next(i for i, item in enumerate(cleaned) if item["name"] in local)
        raise Conflict.single(
            f"items[{index}].name",
            _("%(n)s is registered on this node.") % {"n": cleaned[index]["name"]},
            "registered_here",
        )
    held = {
        r.name: r for r in RemoteIdentifier.objects.select_for_update().filter(name__in=by_name)
    }
    applied = [item for item in by_name.values() if _newer(item, held.get(item["name"]))]
    for item in applied:
        _store(node, item)
    hooks.changed(item["name"] for item in applied)
    if applied:
        audit.record(
            SYSTEM,
            "federation.identifiers_reported",
            node,
            node=node.name,
            accepted=len(applied),
            names=[i["name"] for i in applied[:20]],
        )
    return {"accepted": len(applied), "unchanged": len(cleaned) - len(applied)}


def _require_delegated(node: Node, cleaned: list[dict]) -> None:
    """Names under the node's prefixes; under a revoked one, only names it already reported."""
    granted = delegation.granted_to(node)
    revoked = [r["prefix"] for r in delegation.revoked_from(node)]
    under_revoked = [i["name"] for i in cleaned if any(i["sub"].startswith(p) for p in revoked)]
    known = set(
        RemoteIdentifier.objects.filter(
            node=node, name__in=under_revoked, reported_at__isnull=False
        ).values_list("name", flat=True)
    )
    granted = granted + [item["sub"] for item in cleaned if item["name"] in known]
    errors = [
        FieldError(
            f"items[{i}].name",
            _("%(n)s is not under a prefix delegated to %(node)s (%(held)s).")
            % {"n": item["name"], "node": node.name, "held": ", ".join(granted) or _("none")},
            "not_delegated",
        )
        for i, item in enumerate(cleaned)
        if not any(item["sub"].startswith(prefix) for prefix in granted)
    ]
    if errors:
        raise PermissionDenied(
            _("The report names identifiers outside the prefixes delegated to this node."), errors
        )


def _newer(item: dict, held: RemoteIdentifier | None) -> bool:
    if held is None or held.reported_at is None:
        return True
    return item["version"] > held.version


def _store(node: Node, item: dict) -> None:
    RemoteIdentifier.objects.update_or_create(
        name=item["name"],
        defaults={
            "node": node,
            "status": item["status"],
            "location": item["location"],
            "version": item["version"],
            "etag": item["etag"],
            "record": item["record"],
            "reported_at": timezone.now(),
            "expires": None,
        },
    )
    ResolveEntry.objects.update_or_create(
        name=item["name"],
        defaults={
            "status": item["status"],
            "target": item["location"],
            "etag": item["etag"],
            "record": item["record"],
        },
    )
