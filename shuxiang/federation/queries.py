"""Reading federation state: node lists for pages, API and CLI (scoped by permissions)."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from shuxiang.federation import permissions
from shuxiang.federation.models import Node


def nodes(actor: object, *, relation: str = "", status: str = "") -> QuerySet[Node]:
    """Every peer node (for this node's administrators), with hosted-library counts."""
    permissions.require_manage(actor)
    rows = Node.objects.annotate(library_count=Count("hosted")).prefetch_related("keys")
    if relation:
        rows = rows.filter(relation=relation)
    if status:
        rows = rows.filter(status=status)
    return rows.order_by("relation", "status", "name")


def node(actor: object, ref: str) -> Node:
    permissions.require_manage(actor)
    from shuxiang.federation.services import find_node

    return find_node(ref)


def active_keys(node: Node) -> list[str]:
    return [k.key_id for k in node.keys.all() if k.is_active()]
