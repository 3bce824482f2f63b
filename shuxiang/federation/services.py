"""Federation services: join, approve/refuse/revoke, keys (节点注册与信任).

The parent side receives join requests and decides them; the child side sends its request,
learns the decision and announces key rotations. Network calls never run inside a transaction:
the services that talk to peers call them first (or defer a job) and store the answer after.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.core import audit, jobs, pagecache
from shuxiang.core.actors import SYSTEM, Actor
from shuxiang.core.errors import Conflict, NotFound, ValidationFailed
from shuxiang.federation import keys, peer_trust, permissions, validation
from shuxiang.federation.models import HostedLibrary, Node, NodeKey
from shuxiang.network import services as network
from shuxiang.network.models import Library

NOTIFY_JOB = "federation.notify_decision"


def find_node(ref: str, relation: str | None = None) -> Node:
    """A node by id, name or base URL (what the CLI and the API accept)."""
    ref = str(ref).strip()
    rows = Node.objects.all() if relation is None else Node.objects.filter(relation=relation)
    candidates = rows.filter(base_url=ref.rstrip("/")) or rows.filter(name=ref)
    if not candidates and ref.isascii() and ref.isdigit() and len(ref) < 19:
        candidates = rows.filter(pk=int(ref))
    if len(candidates) != 1:
        reason = _("No single node is called %(ref)s.") % {"ref": ref[:100]}
        raise NotFound(reason, [validation.FieldError("node", reason, "not_found")])
    return candidates[0]


def join_answer(node: Node) -> dict[str, Any]:
    """What a joining node learns: its status here and this node's name, URL and keys."""
    return {
        "status": node.status,
        "reason": node.reason,
        "approved_at": node.approved_at.isoformat() if node.approved_at else None,
        "name": settings.NODE_NAME,
        "base_url": settings.BASE_URL,
        "keys": [{"key_id": k.key_id, "public_key": k.public_key_b64} for k in keys.own_keys()],
    }


# --- parent side --------------------------------------------------------------------------


@transaction.atomic
def receive_join(data: dict, *, key_id: str) -> Node:
    """Record a (self-signed) join request as a pending child node."""
    cleaned = validation.join_request(data)
    node = Node.objects.select_for_update().filter(base_url=cleaned["base_url"]).first()
    other = NodeKey.objects.filter(key_id=key_id).exclude(node=node).first()
    if other is not None:
        raise Conflict.single("public_key", _("Another node already uses this key."), "key_taken")
    if node is not None and node.status in (Node.Status.APPROVED, Node.Status.REVOKED):
        if node.keys.filter(key_id=key_id).exists() and node.status == Node.Status.APPROVED:
            return node  # the same request again: idempotent
        reason = _("This node is already %(status)s here; rotate keys instead of joining again.")
        raise Conflict.single("base_url", reason % {"status": node.status}, "wrong_state")
    if node is not None and node.relation != Node.Relation.CHILD:
        raise Conflict.single("base_url", _("That URL is this node's parent."), "wrong_state")
    node = node or Node(base_url=cleaned["base_url"], relation=Node.Relation.CHILD)
    node.name = cleaned["name"]
    node.status, node.reason = Node.Status.PENDING, ""
    node.requested_libraries = cleaned["libraries"]
    node.save()
    node.keys.filter(retired_at__isnull=True).exclude(key_id=key_id).update(
        retired_at=timezone.now()
    )
    peer_trust.changed()
    NodeKey.objects.get_or_create(
        key_id=key_id, defaults={"node": node, "public_key": cleaned["public_key"]}
    )
    audit.record(SYSTEM, "federation.join_requested", node, base_url=node.base_url)
    return node


def _pending(node: Node, *allowed: str) -> None:
    if node.status not in allowed or node.relation != Node.Relation.CHILD:
        reason = _("%(name)s is %(status)s; this needs a %(allowed)s child node.")
        values = {"name": node.name, "status": node.status, "allowed": " or ".join(allowed)}
        raise Conflict.single("status", reason % values, "wrong_state")


def host_libraries(node: Node, entries: list[dict]) -> list[Library]:
    """Place the node's libraries in this node's tree, marked as hosted by it (or, for the
    libraries it relays from below, by the node named in the entry, reached through it)."""
    hosted = []
    for i, entry in enumerate(entries):
        host = entry.get("node") or node.name
        library = Library.objects.filter(code=entry["code"]).first()
        if library is None:
            if entry["parent_code"] and not Library.objects.filter(code=entry["parent_code"]):
                reason = _("%(code)s is not in this node's tree (list parents first).")
                raise ValidationFailed.single(
                    f"libraries[{i}].parent_code",
                    reason % {"code": entry["parent_code"]},
                    "unknown_parent",
                )
            data = {k: entry[k] for k in ("code", "name", "name_en", "level")}
            data.update(parent=entry["parent_code"] or None, node=host)
            library = network.create_library(data, by=SYSTEM)
        owner = HostedLibrary.objects.filter(library=library).exclude(node=node).first()
        if owner is not None:
            reason = _("%(code)s is already hosted by %(node)s.")
            raise Conflict.single(
                f"libraries[{i}].code",
                reason % {"code": library.code, "node": owner.node.name},
                "hosted_elsewhere",
            )
        Library.objects.filter(pk=library.pk).update(node=host)
        HostedLibrary.objects.get_or_create(library=library, defaults={"node": node})
        hosted.append(library)
    return hosted


@transaction.atomic
def approve(node: Node, *, by: Actor) -> Node:
    """Approve a pending child: its libraries join this node's tree, hosted by it."""
    permissions.require_manage(by)
    node = Node.objects.select_for_update().get(pk=node.pk)
    _pending(node, Node.Status.PENDING)
    from shuxiang.federation import relay

    hosted = host_libraries(node, node.requested_libraries)
    node.status, node.reason, node.approved_at = Node.Status.APPROVED, "", timezone.now()
    node.save(update_fields=["status", "reason", "approved_at"])
    audit.record(by, "federation.approve", node, libraries=[lib.code for lib in hosted])
    jobs.defer(NOTIFY_JOB, {"node": node.pk})
    relay.defer()  # the parent (if any) learns the libraries this child brings
    pagecache.changed()
    return node


def _reason(reason: Any) -> str:
    errors: list = []
    cleaned = validation.text({"reason": reason}, "reason", 2000, errors)
    if errors:
        raise ValidationFailed(_("Give a reason."), errors)
    return cleaned


@transaction.atomic
def refuse(node: Node, reason: str, *, by: Actor) -> Node:
    """Refuse a pending join request, saying why (the node may apply again)."""
    permissions.require_manage(by)
    reason = _reason(reason)
    node = Node.objects.select_for_update().get(pk=node.pk)
    _pending(node, Node.Status.PENDING)
    node.status, node.reason = Node.Status.REFUSED, reason
    node.save(update_fields=["status", "reason"])
    audit.record(by, "federation.refuse", node, reason=reason)
    jobs.defer(NOTIFY_JOB, {"node": node.pk})
    return node


@transaction.atomic
def revoke(node: Node, reason: str, *, by: Actor) -> Node:
    """Revoke a child node: its keys stop verifying at once; its libraries stay in the tree."""
    permissions.require_manage(by)
    reason = _reason(reason)
    node = Node.objects.select_for_update().get(pk=node.pk)
    _pending(node, Node.Status.APPROVED, Node.Status.PENDING)
    now = timezone.now()
    node.status, node.reason = Node.Status.REVOKED, reason
    node.save(update_fields=["status", "reason"])
    node.keys.filter(retired_at__isnull=True).update(retired_at=now)
    node.keys.filter(retired_at__gt=now).update(retired_at=now)
    peer_trust.changed()
    audit.record(by, "federation.revoke", node, reason=reason)
    jobs.defer(NOTIFY_JOB, {"node": node.pk})
    pagecache.changed()
    return node


@transaction.atomic
def accept_key(node: Node, data: dict) -> NodeKey:
    """A peer announces its new key (signed with its old one); the old one retires later."""
    errors: list = []
    key_id, public = validation.public_key(data if isinstance(data, dict) else {}, errors)
    if errors:
        raise ValidationFailed(_("The key announcement is not valid."), errors)
    existing = NodeKey.objects.filter(key_id=key_id).first()
    if existing is not None:
        if existing.node_id != node.pk:
            raise Conflict.single("public_key", _("Another node uses this key."), "key_taken")
        return existing
    grace = timezone.timedelta(seconds=settings_grace())
    node.keys.filter(retired_at__isnull=True).update(retired_at=timezone.now() + grace)
    peer_trust.changed()
    key = NodeKey.objects.create(node=node, key_id=key_id, public_key=public)
    audit.record(SYSTEM, "federation.key_added", node, key_id=key_id)
    return key


@transaction.atomic
def sync_now(node: Node, *, by: Actor, steps: list[str] | None = None):
    """Queue a sync of ``node`` (the registered steps: harvest, figures, health)."""
    from shuxiang.federation import sync

    permissions.require_manage(by)
    if not node.is_approved:
        reason = _("%(name)s is %(status)s; only approved nodes sync.")
        raise Conflict.single("status", reason % {"name": node.name, "status": node.status})
    job = jobs.defer(sync.SYNC_JOB, {"node": node.pk, "steps": steps or []})
    audit.record(by, "federation.sync_now", node, job=job.pk)
    return job


def settings_grace() -> int:
    from shuxiang.core import options

    return options.value("FEDERATION_KEY_GRACE_SECONDS")
