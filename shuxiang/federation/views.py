"""Pages for this node's administrators: peer nodes, decisions, sync now (互联互通管理)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from shuxiang.core.errors import ServiceError
from shuxiang.federation import keys, permissions, queries, services
from shuxiang.federation.models import Node


@login_required
def node_list(request):
    """The parent and the child nodes: status, last seen, last sync, errors, actions."""
    if not permissions.may_manage(request.user):
        return render(request, "core/forbidden.html", status=403)
    rows = list(queries.nodes(request.user))
    context = {
        "parents": [n for n in rows if n.relation == Node.Relation.PARENT],
        "children": [n for n in rows if n.relation == Node.Relation.CHILD],
        "own_key": keys.own_key(),
    }
    return render(request, "federation/nodes.html", context)


def _node(pk: int) -> Node:
    node = Node.objects.filter(pk=pk).first()
    if node is None:
        raise Http404
    return node


DONE = {
    "approve": _("%(name)s was approved."),
    "refuse": _("%(name)s was refused."),
    "revoke": _("%(name)s was revoked."),
    "sync": _("A sync of %(name)s was queued."),
}


@login_required
@require_POST
def decide(request, pk: int, action: str):
    """Approve, refuse, revoke or sync a node (the service checks the permission)."""
    node = _node(pk)
    reason = request.POST.get("reason", "")
    calls = {
        "approve": lambda: services.approve(node, by=request.user),
        "refuse": lambda: services.refuse(node, reason, by=request.user),
        "revoke": lambda: services.revoke(node, reason, by=request.user),
        "sync": lambda: services.sync_now(node, by=request.user),
    }
    if action not in calls:
        raise Http404
    try:
        calls[action]()
        messages.success(request, str(DONE[action]) % {"name": node.name})
    except ServiceError as exc:
        messages.error(request, str(exc))
    return redirect("federation:nodes")
