"""Libraries of grandchildren up the tree (馆藏单位逐级上报).

A join request lists the libraries the joining node hosts itself. The libraries of the nodes
that join it later (a city joining a province already joined to the national center) reach the
root through this relay: each node tells its parent which libraries its approved children host
(with the name of the node that really hosts each, however far down), after it approves a
child, once its own parent approves it, and as the ``libraries`` sync step. The parent places
them in its tree marked as hosted by that node (the library tree shows the real host) and
reached through the child that relayed them, so records harvested through the child keep
their holding library at every tier. Idempotent: known libraries are left as they are.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.core import jobs, pagecache
from shuxiang.core.errors import Conflict, ValidationFailed
from shuxiang.federation import services, sync, validation
from shuxiang.federation.models import HostedLibrary, Node

JOB = "federation.relay_libraries"
PATH = "/federation/peer/libraries"


def relayed_libraries() -> list[dict[str, str]]:
    """The libraries this node's approved children host (parents first), with their host."""
    rows = (
        HostedLibrary.objects.filter(
            node__relation=Node.Relation.CHILD, node__status=Node.Status.APPROVED
        )
        .select_related("library__parent", "node")
        .order_by("library__path")
    )
    return [
        {"code": h.library.code, "name": h.library.name, "name_en": h.library.name_en,
         "level": h.library.level, "parent_code": h.library.parent.code if h.library.parent_id
         else "", "node": h.library.node or h.node.name}
        for h in rows
    ]  # fmt: skip


def relay_up() -> int:
    """Send the relayed libraries to the parent now; how many it holds from this node."""
    from shuxiang.federation.signing import peer_session

    parent = Node.parent()
    entries = relayed_libraries()
    if parent is None or not entries:
        return 0
    response = peer_session(parent).post(parent.base_url + PATH, json={"libraries": entries})
    if response.status_code >= 400:
        answer = f"{response.status_code}: {response.text[:300]}"
        raise RuntimeError(f"{parent.base_url} answered {answer}")
    return len(response.json().get("libraries", []))


def relay_job(job) -> None:
    """The ``core.jobs`` handler (deferred after an approval, retried through outages)."""
    relay_up()


def defer() -> None:
    """Relay once the current transaction commits (when this node has a parent)."""
    if Node.parent() is not None:
        jobs.defer(JOB, {})


def sync_step(node: Node, bar=None) -> str:
    return _("%(n)d relayed libraries") % {"n": relay_up()}


def _cleaned(data: dict) -> list[dict]:
    libraries = data.get("libraries") if isinstance(data, dict) else None
    errors: list = []
    if not isinstance(libraries, list) or len(libraries) > validation.MAX_LIBRARIES:
        reason = _("A list of at most %(n)d libraries.") % {"n": validation.MAX_LIBRARIES}
        raise ValidationFailed.single("libraries", reason, "type")
    entries = []
    for i, item in enumerate(libraries):
        entry = validation.library_entry(item, i, errors)
        if entry is not None:
            host = validation.text(item, "node", 100, errors)
            entry["node"] = host
            entries.append(entry)
    if errors:
        raise ValidationFailed(_("The relayed libraries are not valid."), errors)
    return entries


@transaction.atomic
def receive(child: Node, data: dict) -> list[str]:
    """A child relays the libraries its own children host: place them in this node's tree."""
    if child.relation != Node.Relation.CHILD or not child.is_approved:
        raise Conflict.single("node", _("Only approved child nodes relay libraries."), "not_child")
    entries = _cleaned(data)
    hosted = services.host_libraries(child, entries)
    pagecache.changed()
    defer()  # and further up, when this node has a parent of its own
    return [library.code for library in hosted]


sync.register("libraries", sync_step, direction="parent")
