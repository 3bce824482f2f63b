"""Revoking a prefix delegation (收回前缀授权), with a reason.

The parent marks its ``granted`` delegation revoked and tells the child over the signed
channel after commit (a ``core.jobs`` job, retried through outages; ``--pull`` also learns
revocations). The child marks its ``received`` delegation revoked and from then on refuses new
identifiers under the prefix (``delegation.guard``); the identifiers already named under it
keep resolving, and their changes and withdrawals are still reported and accepted up the tree.
A child that had delegated a longer prefix within it to a child of its own revokes that too,
with the same reason. Delegating the prefix again to the same node reinstates it.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.core import audit, jobs
from shuxiang.core.actors import SYSTEM, Actor
from shuxiang.core.errors import FieldError, NotFound, PermissionDenied, ValidationFailed
from shuxiang.federation import delegation, validation
from shuxiang.federation.models import Node, PrefixDelegation
from shuxiang.identifiers import names

NOTIFY = "federation.notify_prefix_revoked"
GRANTED, RECEIVED = delegation.GRANTED, delegation.RECEIVED


def _reason(raw: object) -> str:
    errors: list = []
    reason = validation.text({"reason": raw}, "reason", 2000, errors)
    if errors:
        raise ValidationFailed(_("Give the reason for revoking the prefix."), errors)
    return reason


@transaction.atomic
def revoke(prefix: str, reason: str, *, by: Actor) -> PrefixDelegation:
    """Revoke the delegation of ``prefix`` to a child node; the child is told after commit."""
    delegation.require_node_admin(by)
    prefix = names.clean_subprefix(prefix)
    reason = _reason(reason)
    row = (
        PrefixDelegation.objects.select_for_update()
        .filter(direction=GRANTED, prefix=prefix, revoked_at__isnull=True)
        .first()
    )
    if row is None:
        message = _("No child node holds the prefix %(p)s from this node.") % {"p": prefix}
        raise NotFound(message, [FieldError("prefix", message, "not_delegated")])
    _mark(row, reason)
    audit.record(by, "federation.revoke_prefix", row, prefix=prefix, node=row.node.name,
                 reason=reason)  # fmt: skip
    return row


def _mark(row: PrefixDelegation, reason: str) -> None:
    row.revoked_at, row.revoked_reason = timezone.now(), reason
    row.save(update_fields=["revoked_at", "revoked_reason"])
    if row.direction == GRANTED:
        jobs.defer(NOTIFY, {"delegation": row.pk})


def notify_job(job) -> None:
    """Tell the child node its prefix was revoked (a ``core.jobs`` handler)."""
    from shuxiang.federation.signing import peer_session

    row = (
        PrefixDelegation.objects.select_related("node")
        .filter(pk=job.payload["delegation"], direction=GRANTED, revoked_at__isnull=False)
        .first()
    )
    if row is None:  # delegated again meanwhile: the delegation job tells the child
        return
    node = row.node
    response = peer_session(node).post(
        node.base_url + "/federation/peer/identifiers/revocation",
        json={"root": names.root_prefix(), "prefix": row.prefix, "reason": row.revoked_reason},
    )
    if response.status_code >= 400:
        answer = f"{response.status_code}: {response.text[:300]}"
        raise RuntimeError(f"{node.base_url} answered {answer}")


@transaction.atomic
def receive(parent: Node, *, root: str, prefix: object, reason: object) -> PrefixDelegation:
    """The parent revoked ``prefix`` from this node: refuse new names under it from now on."""
    if parent.relation != Node.Relation.PARENT:
        raise PermissionDenied(_("Only this node's parent revokes the prefixes it delegated."))
    if (root or "").strip().lower() != names.root_prefix():
        raise ValidationFailed.single(
            "root", _("The root prefix %(r)s is not this network's.") % {"r": root}, "wrong_root"
        )
    prefix = names.clean_subprefix(str(prefix or ""))
    reason = _reason(reason)
    row, _created = PrefixDelegation.objects.select_for_update().get_or_create(
        prefix=prefix, direction=RECEIVED, defaults={"node": parent}
    )
    if row.revoked_at is not None:
        return row  # told again (a retried job, or a pull)
    _mark(row, reason)
    audit.record(SYSTEM, "federation.prefix_revoked", row, prefix=prefix, node=parent.name,
                 reason=reason)  # fmt: skip
    cascade = _("The parent node revoked %(p)s: %(reason)s") % {"p": prefix, "reason": reason}
    within = PrefixDelegation.objects.filter(
        direction=GRANTED, prefix__startswith=prefix, revoked_at__isnull=True
    )
    for below in within.select_for_update():
        _mark(below, cascade[:2000])
        audit.record(SYSTEM, "federation.revoke_prefix", below, prefix=below.prefix,
                     node=below.node.name, reason=cascade)  # fmt: skip
    return row
