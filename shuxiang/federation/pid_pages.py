"""Staff page of identifier prefixes along the tree (``/federation/prefixes/``)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from shuxiang.core.errors import ServiceError
from shuxiang.federation import delegation, pid_reports, prefix_revocation
from shuxiang.federation.models import Node


@login_required
def prefixes(request):
    """Delegations granted and received; a form to delegate; the report queue; pull/send."""
    try:
        delegation.require_node_admin(request.user)
    except ServiceError as exc:
        return render(request, "federation/prefixes.html", {"refused": exc.message}, status=403)
    if request.method == "POST":
        _act(request)
        return redirect("federation:prefixes")
    rows = delegation.listing()
    context = {
        "delegations": rows,
        "revocable": [d for d in rows if d.direction == "granted" and d.revoked_at is None],
        "children": Node.objects.approved_children().order_by("name"),
        "parent": Node.parent(),
        "queued": pid_reports.queued(),
    }
    return render(request, "federation/prefixes.html", context)


def _act(request) -> None:
    action = request.POST.get("action")
    try:
        if action == "delegate":
            node = delegation.child_node(request.POST.get("node", ""))
            row = delegation.delegate(request.POST.get("prefix", ""), node, by=request.user)
            messages.success(
                request, _("%(p)s is delegated to %(n)s.") % {"p": row.prefix, "n": node.name}
            )
        elif action == "revoke":
            row = prefix_revocation.revoke(
                request.POST.get("prefix", ""), request.POST.get("reason", ""), by=request.user
            )
            messages.success(
                request, _("%(p)s is revoked from %(n)s.") % {"p": row.prefix, "n": row.node.name}
            )
        elif action == "pull":
            rows = delegation.pull()
            messages.success(request, _("%(n)d prefixes received.") % {"n": len(rows)})
        elif action == "report":
            sent = pid_reports.send()
            messages.success(request, _("%(n)d identifier changes reported.") % {"n": sent})
    except ServiceError as exc:
        messages.error(request, str(exc))
    except OSError as exc:  # the parent could not be reached
        messages.error(request, _("The parent node could not be reached: %(e)s") % {"e": exc})
