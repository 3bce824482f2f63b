"""Node health up (节点监控): a child's heartbeat to its parent over the signed channel.

The child reports its version, storage used (its data directory), queue lag (how long the
oldest due background job has waited), its last harvest of its own children and its errors of
the last 24 hours (failed jobs and failed syncs). The parent stores it as the stats app's
``Heartbeat`` of the child's topmost hosted library, so the monitoring page shows it and the
alert rules of §8 (heartbeat missing, storage, queue lag, errors) apply unchanged.
"""

from __future__ import annotations

import json
import os
from datetime import timedelta
from importlib import metadata
from pathlib import Path

from django.conf import settings
from django.db.models import Max, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import Conflict, FieldError, PermissionDenied, ValidationFailed
from shuxiang.core.models import Job
from shuxiang.federation import sync
from shuxiang.federation.models import HostedLibrary, Node
from shuxiang.network.models import Library
from shuxiang.stats import monitoring
from shuxiang.stats.models import Heartbeat

ENDPOINT = "/federation/peer/heartbeat"
FIELDS = ("version", "storage_bytes", "queue_lag_seconds", "last_harvest", "errors", "last_error")


def storage_used(root: Path | None = None) -> int:
    """Bytes of the files under the data directory (database, media, indexes)."""
    total = 0
    for folder, _dirs, files in os.walk(root or settings.DATA_DIR):
        for name in files:
            try:
                total += os.lstat(os.path.join(folder, name)).st_size
            except OSError:
                continue
    return total


def queue_lag_seconds(now=None) -> int:
    """How long the oldest due, unfinished background job has been waiting."""
    now = now or timezone.now()
    waiting = Job.objects.filter(
        state__in=[Job.State.PENDING, Job.State.RUNNING], next_run_at__lte=now
    ).aggregate(oldest=Min("next_run_at"))["oldest"]
    return max(0, int((now - waiting).total_seconds())) if waiting else 0


def recent_errors(now=None) -> tuple[int, str]:
    """Failures of the last 24 hours (failed jobs, failed syncs) and the latest one's text."""
    since = (now or timezone.now()) - timedelta(hours=24)
    failed = Job.objects.filter(
        Q(state=Job.State.FAILED) | Q(state=Job.State.PENDING, attempts__gt=0),
        Q(finished_at__gte=since) | Q(started_at__gte=since),
    )
    syncs = Node.objects.filter(last_error_at__gte=since).exclude(last_error="")
    latest = [(j.finished_at or j.started_at, j.last_error) for j in failed.order_by("-id")[:1]]
    latest += [(n.last_error_at, n.last_error) for n in syncs.order_by("-last_error_at")[:1]]
    text = max(latest, key=lambda pair: pair[0])[1] if latest else ""
    return failed.count() + syncs.count(), text[:300]


def collect() -> dict:
    """This node's heartbeat as sent to the parent."""
    try:
        version = metadata.version("shuxiang")
    except metadata.PackageNotFoundError:
        version = ""
    count, text = recent_errors()
    harvested = Node.objects.approved_children().aggregate(at=Max("last_sync"))["at"]
    return {
        "version": version,
        "storage_bytes": storage_used(),
        "queue_lag_seconds": queue_lag_seconds(),
        "last_harvest": harvested.isoformat() if harvested else None,
        "errors": count,
        "last_error": text,
    }


def send_heartbeat(parent: Node | None = None, *, by: object = SYSTEM) -> dict:
    """Collect and send this node's heartbeat to its approved parent; the parent's answer."""
    from shuxiang.federation.signing import peer_session

    if not getattr(by, "is_system", False) and not getattr(by, "is_superuser", False):
        raise PermissionDenied(_("Only the node itself or a superuser sends heartbeats."))
    parent = parent or Node.parent()
    if parent is None or not parent.is_approved or parent.relation != Node.Relation.PARENT:
        raise Conflict(_("This node has no approved parent to report to."))
    response = peer_session(parent).post(
        parent.base_url + ENDPOINT,
        data=json.dumps(collect()).encode(),
        headers={"Content-Type": "application/json"},
    )
    if response.status_code != 200:
        raise Conflict(
            _("The parent refused the heartbeat (HTTP %(status)s): %(detail)s")
            % {"status": response.status_code, "detail": response.text[:500]}
        )
    return response.json()


def node_library(node: Node) -> Library:
    """The topmost library the child hosts in this tree (its heartbeat is stored there)."""
    hosted = HostedLibrary.objects.filter(node=node).select_related("library")
    top = min((h.library for h in hosted), key=lambda lib: (lib.depth, lib.path), default=None)
    if top is None:
        raise Conflict.single("node", _("This node hosts no library here yet."), "no_library")
    return top


def receive_heartbeat(node: Node, payload: object) -> Heartbeat:
    """Store a child's heartbeat (the stats app validates and evaluates it)."""
    if not isinstance(payload, dict):
        raise ValidationFailed.single("body", _("Send a JSON object."), "invalid")
    unknown = [
        FieldError(k, _("Unknown field."), "unknown_field") for k in payload if k not in FIELDS
    ]
    if unknown:
        raise ValidationFailed(_("The heartbeat was not stored."), unknown)
    data = {**payload, "node": node.name}
    beat = monitoring.record_heartbeat(SYSTEM, node_library(node), data)
    Node.objects.filter(pk=node.pk).update(last_seen=beat.at)
    return beat


def sync_step(node: Node, bar=None) -> str:
    """``shuxiang federation sync`` step: send this node's heartbeat to ``node`` (our parent)."""
    answer = send_heartbeat(node)
    return f"heartbeat stored at {answer.get('library', '?')}"


sync.register("heartbeat", sync_step, direction="parent")
