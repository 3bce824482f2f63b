"""JSON API of federation (``/api/v1/federation/``): this node's administrators only."""

from __future__ import annotations

from ninja import Query, Router, Status

from shuxiang.core.api import AUTH, ErrorOut, paginate
from shuxiang.federation import joining, keys, permissions, queries, services
from shuxiang.federation.schemas import (
    FederationJoinIn,
    FederationKeysOut,
    FederationNodeFilter,
    FederationNodeOut,
    FederationNodePage,
    FederationReasonIn,
    FederationSyncIn,
    FederationSyncOut,
)

router = Router(tags=["federation"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


@router.get(
    "/nodes",
    response={200: FederationNodePage, **ERRORS},
    auth=AUTH,
    summary="Peer nodes: the parent and child nodes with status, last seen, errors",
)
def list_nodes(request, filters: Query[FederationNodeFilter]):
    rows = queries.nodes(request.auth, relation=filters.relation, status=filters.status)
    return paginate(rows, filters.page, filters.page_size)


@router.get("/nodes/{node_id}", response={200: FederationNodeOut, **ERRORS}, auth=AUTH)
def get_node(request, node_id: int):
    return queries.node(request.auth, str(node_id))


@router.post("/nodes/{node_id}/approve", response={200: FederationNodeOut, **ERRORS}, auth=AUTH)
def approve_node(request, node_id: int):
    return services.approve(queries.node(request.auth, str(node_id)), by=request.auth)


@router.post("/nodes/{node_id}/refuse", response={200: FederationNodeOut, **ERRORS}, auth=AUTH)
def refuse_node(request, node_id: int, payload: FederationReasonIn):
    node = queries.node(request.auth, str(node_id))
    return services.refuse(node, payload.reason, by=request.auth)


@router.post("/nodes/{node_id}/revoke", response={200: FederationNodeOut, **ERRORS}, auth=AUTH)
def revoke_node(request, node_id: int, payload: FederationReasonIn):
    node = queries.node(request.auth, str(node_id))
    return services.revoke(node, payload.reason, by=request.auth)


@router.post(
    "/nodes/{node_id}/sync",
    response={202: FederationSyncOut, **ERRORS},
    auth=AUTH,
    summary="Sync now: queue the registered sync steps for this node",
)
def sync_node(request, node_id: int, payload: FederationSyncIn):
    node = queries.node(request.auth, str(node_id))
    job = services.sync_now(node, by=request.auth, steps=payload.steps)
    return Status(202, {"job": job.pk, "node": node.pk})


@router.post(
    "/join",
    response={200: FederationNodeOut, **ERRORS},
    auth=AUTH,
    summary="Ask a parent node to accept this node",
)
def join(request, payload: FederationJoinIn):
    return joining.request_join(
        payload.parent_url, by=request.auth, name=payload.name, codes=payload.libraries
    )


@router.post("/parent/refresh", response={200: FederationNodeOut, **ERRORS}, auth=AUTH)
def refresh_parent(request):
    return joining.refresh_parent(by=request.auth)


def _keys_doc(announced=None) -> dict:
    own = [{"key_id": k.key_id, "public_key": k.public_key_b64, "retires": k.retires}
           for k in keys.own_keys()]  # fmt: skip
    return {"keys": own, "announced": announced or {}}


@router.get("/keys", response={200: FederationKeysOut, **ERRORS}, auth=AUTH)
def own_keys(request):
    permissions.require_manage(request.auth)
    return _keys_doc()


@router.post(
    "/keys/rotate",
    response={200: FederationKeysOut, **ERRORS},
    auth=AUTH,
    summary="Rotate this node's key and announce it to every approved peer",
)
def rotate_keys(request):
    _new, results = joining.rotate_keys(by=request.auth)
    return _keys_doc(results)
