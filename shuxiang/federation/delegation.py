"""Prefix delegation down the node tree (前缀授权): who may name identifiers under which prefix.

The national center delegates a sub-prefix (a string such as ``33``) to a child node; that
node may then name identifiers only under sub-prefixes beginning with it (``33``, ``3301``,
…), and may delegate a longer one (``3301``) to a child of its own. Delegations are stored at
both ends: ``granted`` at the parent (checked when the child's reports arrive), ``received``
at the child (checked before it names an identifier). The parent tells the child over the
signed channel after commit (a ``core.jobs`` job, retried through outages); the child can also
pull its delegations (``shuxiang federation delegations --pull``).

A node refuses to name identifiers under a prefix it delegated away, and a node with a
parent refuses any prefix outside what it received.
"""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.core import audit, jobs
from shuxiang.core.actors import SYSTEM, Actor
from shuxiang.core.errors import (
    Conflict,
    FieldError,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from shuxiang.federation.models import Node, PrefixDelegation
from shuxiang.identifiers import names
from shuxiang.identifiers.models import Identifier
from shuxiang.network import scopes
from shuxiang.network.models import Library

NOTIFY = "federation.notify_delegation"
GRANTED, RECEIVED = PrefixDelegation.Direction.GRANTED, PrefixDelegation.Direction.RECEIVED


def covering(subprefix: str, direction: str, *, active: bool = True) -> PrefixDelegation | None:
    """The delegation of ``direction`` whose prefix begins ``subprefix`` (by default only one
    not revoked), if any."""
    rows = PrefixDelegation.objects.filter(direction=direction).select_related("node")
    if active:
        rows = rows.filter(revoked_at__isnull=True)
    for delegation in rows:
        if subprefix.startswith(delegation.prefix):
            return delegation
    return None


def subprefix_of(name: str) -> str | None:
    """The sub-prefix of a full identifier under this network's root, else None."""
    prefix, suffix = names.split(names.normalise(name))
    root = names.root_prefix() + "."
    if not suffix or not prefix.startswith(root):
        return None
    sub = prefix[len(root) :]
    return sub if names.SUBPREFIX_RE.match(sub) else None


def guard(subprefix: str) -> None:
    """Refuse naming identifiers under ``subprefix`` where this node may not (prefix guard)."""
    away = covering(subprefix, GRANTED, active=False)  # revoked: its names live there still
    if away is not None:
        _refuse(
            _(
                "The prefix %(p)s is delegated to the node %(node)s; identifiers under it are "
                "registered there."
            )
            % {"p": away.prefix, "node": away.node.name},
            "delegated_away",
        )
    if Node.parent() is None or covering(subprefix, RECEIVED) is not None:
        return
    revoked = covering(subprefix, RECEIVED, active=False)
    if revoked is not None:
        _refuse(
            _(
                "The parent node revoked the prefix %(p)s (%(reason)s); identifiers already "
                "named under it keep resolving, but no new ones may be registered."
            )
            % {"p": revoked.prefix, "reason": revoked.revoked_reason},
            "delegation_revoked",
        )
    held = ", ".join(
        PrefixDelegation.objects.filter(direction=RECEIVED).values_list("prefix", flat=True)
    ) or _("none")
    _refuse(
        _(
            "This node may register identifiers only under the prefixes its parent delegated to "
            "it (%(held)s); %(p)s is not among them."
        )
        % {"held": held, "p": subprefix},
        "not_delegated",
    )


def _refuse(reason: str, code: str) -> None:
    raise PermissionDenied(reason, [FieldError("prefix", reason, code)])


def require_node_admin(actor: object) -> None:
    """Administrators of this node's top library (the national center at the root) delegate."""
    top = Library.objects.filter(parent__isnull=True).order_by("pk").first()
    if top is None or not scopes.covers(actor, top):
        raise PermissionDenied(
            _("Only administrators of this node's top library delegate identifier prefixes.")
        )


def child_node(ref: str) -> Node:
    """An approved child node by name or base URL."""
    ref = (ref or "").strip().rstrip("/")
    node = Node.objects.filter(relation=Node.Relation.CHILD).filter(base_url=ref).first() or (
        Node.objects.filter(relation=Node.Relation.CHILD, name=ref).first()
    )
    if node is None:
        raise ValidationFailed.single(
            "node", _("No child node is named %(r)s.") % {"r": ref}, "unknown"
        )
    if node.status != Node.Status.APPROVED:
        raise ValidationFailed.single(
            "node", _("The node %(n)s is not approved.") % {"n": node.name}, "not_approved"
        )
    return node


@transaction.atomic
def delegate(prefix: str, node: Node, *, by: Actor) -> PrefixDelegation:
    """Delegate the sub-prefix ``prefix`` to the approved child ``node`` (idempotent)."""
    require_node_admin(by)
    prefix = names.clean_subprefix(prefix)
    existing = PrefixDelegation.objects.filter(direction=GRANTED, prefix=prefix).first()
    if existing is not None and existing.node_id == node.pk:
        if existing.revoked_at is not None:  # delegated again to the node it was revoked from
            existing.revoked_at, existing.revoked_reason = None, ""
            existing.save(update_fields=["revoked_at", "revoked_reason"])
            audit.record(by, "federation.delegate_prefix", existing, prefix=prefix, node=node.name)
            jobs.defer(NOTIFY, {"delegation": existing.pk})
        return existing
    _require_free(prefix)
    delegation = PrefixDelegation.objects.create(prefix=prefix, node=node, direction=GRANTED)
    audit.record(by, "federation.delegate_prefix", delegation, prefix=prefix, node=node.name)
    jobs.defer(NOTIFY, {"delegation": delegation.pk})
    return delegation


def _require_free(prefix: str) -> None:
    for other in PrefixDelegation.objects.filter(direction=GRANTED).select_related("node"):
        if prefix.startswith(other.prefix) or other.prefix.startswith(prefix):
            raise Conflict.single(
                "prefix",
                _("The prefix %(p)s overlaps %(o)s, delegated to %(n)s.")
                % {"p": prefix, "o": other.prefix, "n": other.node.name},
                "overlaps",
            )
    if Node.parent() is not None and covering(prefix, RECEIVED) is None:
        _refuse(
            _("This node can delegate only within the prefixes delegated to it."), "not_delegated"
        )
    root = names.root_prefix() + "."
    if Identifier.objects.filter(prefix__startswith=root + prefix).exists():
        raise Conflict.single(
            "prefix",
            _(
                "Identifiers are already registered on this node under %(p)s; it cannot be "
                "delegated."
            )
            % {"p": prefix},
            "in_use",
        )


def notify_job(job) -> None:
    """Tell the child node of a delegation it was granted (a ``core.jobs`` handler)."""
    from shuxiang.federation.signing import peer_session

    delegation = (
        PrefixDelegation.objects.select_related("node")
        .filter(pk=job.payload["delegation"], direction=GRANTED)
        .first()
    )
    if delegation is None:
        return
    node = delegation.node
    session = peer_session(node)
    response = session.post(
        node.base_url + "/federation/peer/identifiers/delegation",
        json={"root": names.root_prefix(), "prefix": delegation.prefix},
    )
    if response.status_code >= 400:
        raise RuntimeError(
            f"{node.base_url} answered {response.status_code}: {response.text[:300]}"
        )


@transaction.atomic
def receive(parent: Node, *, root: str, prefixes: list[str]) -> list[PrefixDelegation]:
    """Record the prefixes ``parent`` delegated to this node (from the signed channel)."""
    if parent.relation != Node.Relation.PARENT:
        raise PermissionDenied(_("Only this node's parent delegates prefixes to it."))
    if (root or "").strip().lower() != names.root_prefix():
        raise ValidationFailed.single(
            "root",
            _("The root prefix %(r)s is not this network's (%(o)s).")
            % {"r": root, "o": names.root_prefix()},
            "wrong_root",
        )
    if len(prefixes) > 100:
        raise ValidationFailed.single("prefixes", _("At most 100 prefixes at once."), "too_many")
    received = []
    for index, raw in enumerate(prefixes):
        prefix = names.clean_subprefix(str(raw), field=f"prefixes[{index}]")
        row, created = PrefixDelegation.objects.get_or_create(
            prefix=prefix, direction=RECEIVED, defaults={"node": parent}
        )
        if row.revoked_at is not None:  # delegated again after a revocation
            row.revoked_at, row.revoked_reason = None, ""
            row.save(update_fields=["revoked_at", "revoked_reason"])
            created = True
        if created:
            audit.record(SYSTEM, "federation.receive_prefix", row, prefix=prefix, node=parent.name)
        received.append(row)
    return received


def granted_to(node: Node) -> list[str]:
    """The prefixes delegated to ``node`` and not revoked."""
    rows = PrefixDelegation.objects.filter(direction=GRANTED, node=node, revoked_at__isnull=True)
    return list(rows.values_list("prefix", flat=True))


def revoked_from(node: Node) -> list[dict]:
    """The prefixes once delegated to ``node`` and revoked, with the reasons."""
    rows = PrefixDelegation.objects.filter(direction=GRANTED, node=node, revoked_at__isnull=False)
    return [{"prefix": r.prefix, "reason": r.revoked_reason} for r in rows]


def pull() -> list[PrefixDelegation]:
    """Ask the parent which prefixes it delegated to this node, and record them."""
    from shuxiang.federation.signing import peer_session

    parent = Node.parent()
    if parent is None:
        raise NotFound(_("This node has no approved parent."))
    response = peer_session(parent).get(parent.base_url + "/federation/peer/identifiers/delegation")
    response.raise_for_status()
    body = response.json()
    from shuxiang.federation import prefix_revocation

    for entry in body.get("revoked") or []:
        prefix_revocation.receive(parent, root=body.get("root", ""), **entry)
    return receive(parent, root=body.get("root", ""), prefixes=body.get("prefixes", []))


def listing() -> list[PrefixDelegation]:
    return list(PrefixDelegation.objects.select_related("node").order_by("direction", "prefix"))
