"""Pages of network push and deployment status: a package's deployments over the subtree with
coverage figures and a push form; the transfers a receiving node runs."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shuxiang.core.errors import ServiceError
from shuxiang.distribution import deployments, permissions
from shuxiang.distribution.models import Deployment, Package, Transfer
from shuxiang.network import scopes
from shuxiang.network.scopes import Role


def _package(request, pk: int) -> Package:
    found = Package.objects.filter(permissions.packages_filter(request.user), pk=pk).first()
    if found is None:
        raise Http404(_("No such package among your libraries' packages."))
    return found


@login_required
def deployment_list(request, pk: int):
    """Which library below the package's library holds which version, with coverage."""
    package = _package(request, pk)
    state = request.GET.get("state", "")
    try:
        rows = deployments.status(package, by=request.user)
    except ServiceError as exc:
        messages.error(request, str(exc))
        return redirect("/")
    coverage = deployments.coverage(rows)
    if state:
        rows = [row for row in rows if (row.state or "not_offered") == state]
    newest = deployments.latest_full(package)
    context = {
        "package": package, "newest": newest, "coverage": coverage, "state": state,
        "page": Paginator(rows, 100).get_page(request.GET.get("page")),
        "states": Deployment.State.choices,
    }  # fmt: skip
    return render(request, "distribution/deployments.html", context)


@login_required
@require_POST
def push(request, pk: int):
    """Offer the package to the libraries named in the form (codes separated by spaces)."""
    package = _package(request, pk)
    codes = request.POST.get("libraries", "").replace(",", " ").replace("，", " ").split()
    try:
        rows = deployments.push(package, codes, by=request.user)
        messages.success(request, _("Offered to %(n)d libraries.") % {"n": len(rows)})
    except ServiceError as exc:
        messages.error(request, "; ".join([exc.message, *(e.reason for e in exc.errors)]))
    return redirect("distribution_push:deployments", pk=package.pk)


@login_required
def transfer_list(request):
    """Packages this node pulls or pulled for the staff member's libraries."""
    rows = Transfer.objects.filter(
        scopes.in_scope(request.user, "library", role=Role.LIBRARIAN)
    ).select_related("library")
    page = Paginator(rows, 50).get_page(request.GET.get("page"))
    return render(request, "distribution/transfers.html", {"page": page})
