"""Staff API of identifiers along the tree (``/api/v1/federation/prefixes`` …)."""

from __future__ import annotations

from datetime import datetime

from ninja import Router, Schema

from shuxiang.core.api import AUTH, ErrorOut
from shuxiang.federation import delegation, pid_reports, prefix_revocation
from shuxiang.identifiers import names

router = Router(tags=["federation"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class PrefixDelegationIn(Schema):
    prefix: str
    node: str


class PrefixRevocationIn(Schema):
    reason: str


class PrefixDelegationOut(Schema):
    prefix: str
    full: str
    direction: str
    node: str
    node_url: str
    created: datetime
    revoked_at: datetime | None = None
    revoked_reason: str = ""


class IdentifierReportOut(Schema):
    accepted: int
    queued: int


def _out(row) -> dict:
    return {
        "prefix": row.prefix,
        "full": names.full_prefix(row.prefix),
        "direction": row.direction,
        "node": row.node.name,
        "node_url": row.node.base_url,
        "created": row.created,
        "revoked_at": row.revoked_at,
        "revoked_reason": row.revoked_reason,
    }


@router.get(
    "/prefixes",
    response={200: list[PrefixDelegationOut], **ERRORS},
    auth=AUTH,
    summary="Prefixes this node delegated to children, and those delegated to it",
)
def list_delegations(request):
    delegation.require_node_admin(request.auth)
    return [_out(row) for row in delegation.listing()]


@router.post(
    "/prefixes",
    response={200: PrefixDelegationOut, **ERRORS},
    auth=AUTH,
    summary="Delegate an identifier sub-prefix to an approved child node",
)
def delegate(request, payload: PrefixDelegationIn):
    node = delegation.child_node(payload.node)
    return _out(delegation.delegate(payload.prefix, node, by=request.auth))


@router.post(
    "/prefixes/{prefix}/revoke",
    response={200: PrefixDelegationOut, **ERRORS},
    auth=AUTH,
    summary="Revoke a prefix delegated to a child node (new identifiers under it are refused)",
)
def revoke(request, prefix: str, payload: PrefixRevocationIn):
    return _out(prefix_revocation.revoke(prefix, payload.reason, by=request.auth))


@router.post(
    "/prefixes/pull",
    response={200: list[PrefixDelegationOut], **ERRORS},
    auth=AUTH,
    summary="Ask the parent node which prefixes it delegated to this node",
)
def pull(request):
    delegation.require_node_admin(request.auth)
    return [_out(row) for row in delegation.pull()]


@router.post(
    "/identifiers/report",
    response={200: IdentifierReportOut, **ERRORS},
    auth=AUTH,
    summary="Send the queued identifier changes to the parent node now",
)
def report_now(request):
    delegation.require_node_admin(request.auth)
    accepted = pid_reports.send()
    return {"accepted": accepted, "queued": pid_reports.queued()}
