"""Figures flow up (统计上报): a child node pushes its daily own figures to its parent.

The child sends, per day, each library's own figures (``shuxiang.stats.remote``: aggregates
only — counts of events and of distinct readers, never a pseudonym) together with the
descriptions of the libraries it hosts, over the signed channel to
``/federation/peer/rollups``. The parent mirrors those libraries into its tree (hosted by the
child, ``HostedLibrary``), replaces the child's figures of each day whose digest changed and
re-aggregates those days, so its dashboards compare and trend the child's libraries like its
own and every tier's total is the sum of its children's own figures.

Resumable and idempotent: the child records a day as pushed (with its digest) only after the
parent acknowledged it, so a push killed at any point re-sends the unacknowledged days; the
parent replaces whole days by digest, so a re-sent day changes nothing and a late correction
(a day whose figures changed at the child) replaces the earlier figures.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.core import audit, options
from shuxiang.core.actors import SYSTEM, is_system
from shuxiang.core.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from shuxiang.federation import sync, validation
from shuxiang.federation.models import FiguresPushed, HostedLibrary, Node
from shuxiang.network.models import Library
from shuxiang.network.services import create_library
from shuxiang.stats import remote
from shuxiang.stats.models import RollupDay
from shuxiang.stats.rollup import run_rollup

log = logging.getLogger("shuxiang.federation")
FORMAT = "shuxiang-figures/1"
LOCAL = "local"  # Library.node of the libraries this node hosts itself
ENDPOINT = "/federation/peer/rollups"
DAYS_PER_CHUNK = 31
MAX_LIBRARIES = 20_000


@dataclass
class PushReport:
    days_checked: int = 0
    days_sent: int = 0
    requests: int = 0
    stored: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{self.days_checked} days checked, {self.days_sent} sent in {self.requests} "
            f"requests, {len(self.stored)} changed at the parent"
        )


# --- the child: what to send ------------------------------------------------------------


def _reported(parent: Node) -> Iterable[Library]:
    """This node's libraries, root first: its own and those its children host, never those
    its parent (or any node other than a child) hosts."""
    own_or_children = Q(node=LOCAL) | Q(hosting__node__relation=Node.Relation.CHILD)
    libraries = Library.objects.filter(own_or_children).exclude(hosting__node=parent)
    return libraries.select_related("parent").order_by("path")


def library_descriptors(parent: Node) -> list[dict]:
    """Code, names, level and parent code of each library this node reports for."""
    return [
        {
            "code": lib.code,
            "name": lib.name,
            "name_en": lib.name_en,
            "level": lib.level,
            "parent_code": lib.parent.code if lib.parent else "",
        }
        for lib in _reported(parent)
    ]


def candidate_days(parent: Node, *, full: bool = False) -> list[date]:
    """Days that may need sending: re-aggregated since pushed, never pushed, or gone."""
    pushed = dict(FiguresPushed.objects.filter(node=parent).values_list("day", "pushed_at"))
    rolled = dict(RollupDay.objects.values_list("day", "rolled_at"))
    days = set(pushed) - set(rolled)  # rolled up once, now empty: send the empty day
    days |= {d for d, at in rolled.items() if full or d not in pushed or at >= pushed[d]}
    return sorted(days)


def _batches(days: list[remote.DayFigures]) -> Iterable[list[remote.DayFigures]]:
    limit = max(1, options.value("FEDERATION_FIGURES_BATCH_ROWS"))
    batch: list[remote.DayFigures] = []
    rows = 0
    for figures in days:
        if batch and rows + figures.rows > limit:
            yield batch
            batch, rows = [], 0
        batch.append(figures)
        rows += figures.rows
    if batch:
        yield batch


@transaction.atomic
def _acknowledge(parent: Node, sent: list[remote.DayFigures]) -> None:
    now = timezone.now()
    for figures in sent:
        FiguresPushed.objects.update_or_create(
            node=parent, day=figures.day, defaults={"digest": figures.digest(), "pushed_at": now}
        )


def push_figures(
    parent: Node | None = None,
    *,
    by: object = SYSTEM,
    full: bool = False,
    send: Callable[[Node, dict], dict] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> PushReport:
    """Roll up, then send every day whose figures the parent does not have yet.

    ``progress(done, total)`` is called after each chunk of days (the CLI draws a bar).
    """
    if not is_system(by) and not getattr(by, "is_superuser", False):
        raise PermissionDenied(_("Only the node itself or a superuser may push figures."))
    parent = parent or Node.parent()
    if parent is None or not parent.is_approved or parent.relation != Node.Relation.PARENT:
        raise Conflict(_("This node has no approved parent to report to."))
    send = send or post_figures
    run_rollup(by=SYSTEM)
    days = candidate_days(parent, full=full)
    known = dict(FiguresPushed.objects.filter(node=parent).values_list("day", "digest"))
    libraries = library_descriptors(parent)
    codes = {d["code"] for d in libraries}
    report = PushReport(days_checked=len(days))
    for start in range(0, len(days), DAYS_PER_CHUNK):
        chunk = days[start : start + DAYS_PER_CHUNK]
        figures = remote.own_figures(chunk, codes)
        changed = [f for f in figures.values() if full or known.get(f.day) != f.digest()]
        for batch in _batches(changed):
            body = {"format": FORMAT, "libraries": libraries, "days": [f.as_wire() for f in batch]}
            answer = send(parent, body)
            _acknowledge(parent, batch)
            report.requests += 1
            report.days_sent += len(batch)
            report.stored.extend(answer.get("changed", []))
        if progress:
            progress(min(start + DAYS_PER_CHUNK, len(days)), len(days))
    return report


def post_figures(parent: Node, body: dict) -> dict:
    """POST one batch to the parent over the signed channel; its answer, or an error."""
    from shuxiang.federation.signing import peer_session

    response = peer_session(parent).post(
        parent.base_url + ENDPOINT,
        data=json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode(),
        headers={"Content-Type": "application/json"},
    )
    if response.status_code != 200:
        raise Conflict(
            _("The parent refused the figures (HTTP %(status)s): %(detail)s")
            % {"status": response.status_code, "detail": response.text[:500]}
        )
    return response.json()


# --- the parent: mirror the child's libraries, store and roll up ------------------------


def _mirror_one(node: Node, item: dict, name: str, root: Library | None) -> None:
    """Create the child's library below its parent (or this node's root) if it is new."""
    if Library.objects.filter(code=item["code"]).exists():
        return
    parent = Library.objects.filter(code=item["parent_code"]).first() or root
    data = {k: item[k] for k in ("code", "name", "name_en", "level") if item[k]}
    data.update(parent=parent.code if parent else None, node=node.name)
    try:
        library = create_library(data, by=SYSTEM)
    except ValidationFailed as refused:
        named = [FieldError(f"{name}.{e.field}", e.reason, e.code) for e in refused.errors]
        raise ValidationFailed(refused.message, named) from refused
    HostedLibrary.objects.create(node=node, library=library)
    audit.record(SYSTEM, "federation.mirror_library", library, node=node.base_url)


def mirror_libraries(node: Node, items: object) -> set[str]:
    """Mirror the child's libraries into this tree; the codes the child may report for.

    A library this node (or another child) already hosts is never taken over: its figures stay
    with its own host, and the child's rows for it are refused.
    """
    if not isinstance(items, list) or len(items) > MAX_LIBRARIES:
        raise ValidationFailed.single("libraries", _("Give a list of libraries."), "invalid")
    errors: list = []
    parsed = [validation.library_entry(item, i, errors) for i, item in enumerate(items)]
    if errors:
        raise ValidationFailed(_("The libraries were not understood."), errors)
    root = Library.objects.filter(parent=None).order_by("path").first()
    for i, item in enumerate(parsed):
        _mirror_one(node, item, f"libraries[{i}]", root)
    return set(HostedLibrary.objects.filter(node=node).values_list("library__code", flat=True))


@transaction.atomic
def _store(node: Node, payload: dict[str, Any]) -> list[date]:
    if payload.get("format") != FORMAT:
        raise ValidationFailed.single("format", _("Send the format %(f)s.") % {"f": FORMAT})
    allowed = mirror_libraries(node, payload.get("libraries"))
    items = payload.get("days")
    if not isinstance(items, list) or len(items) > 4 * DAYS_PER_CHUNK:
        raise ValidationFailed.single("days", _("Give a list of days."), "invalid")
    errors: list = []
    days = [remote.parse_day(item, f"days[{i}]", allowed, errors) for i, item in enumerate(items)]
    if errors:
        raise ValidationFailed(_("The figures were not stored."), errors)
    changed = remote.store_days(node.base_url, days)
    audit.record(SYSTEM, "federation.receive_figures", node, days=len(days), changed=len(changed))
    return changed


def receive_figures(node: Node, payload: object) -> dict:
    """Store a child's batch of days (all or nothing), then re-aggregate the changed days."""
    if not isinstance(payload, dict):
        raise ValidationFailed.single("body", _("Send a JSON object."), "invalid")
    if node.relation != Node.Relation.CHILD:
        raise PermissionDenied(_("Only a child node reports figures here."))
    changed = _store(node, payload)
    if changed:
        run_rollup(by=SYSTEM)  # a crash here leaves the days stale; the next rollup runs them
    return {"changed": [d.isoformat() for d in changed], "received": len(payload["days"])}


def received_summary(node: Node) -> dict:
    """What this node holds from a child: days, last received, digests (for the pages)."""
    days = remote.received_digests(node.base_url)
    from shuxiang.stats.models import RemoteDay

    last = RemoteDay.objects.filter(source=node.base_url).aggregate(at=Max("received_at"))["at"]
    return {"days": len(days), "last_received": last}


def sync_step(node: Node, bar=None) -> str:
    """``shuxiang federation sync`` step: push figures to ``node`` (our parent), with a bar."""

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    return push_figures(node, progress=progress if bar is not None else None).summary()


sync.register("figures", sync_step, direction="parent")
