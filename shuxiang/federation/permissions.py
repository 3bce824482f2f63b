"""Who may run federation: the administrators of this node's whole tree (every root library)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from shuxiang.core.errors import PermissionDenied
from shuxiang.network import scopes
from shuxiang.network.models import Library


def may_manage(actor: object) -> bool:
    """The system, superusers, and staff holding the admin role over every root library."""
    if scopes.unrestricted(actor):
        return True
    roots = list(Library.objects.filter(parent__isnull=True))
    return bool(roots) and all(scopes.covers(actor, root) for root in roots)


def require_manage(actor: object) -> None:
    if not may_manage(actor):
        raise PermissionDenied(_("Only this node's administrators manage federation."))
