"""Who may see a record and who may manage sources and imports (library subtree scoped)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from shuxiang.catalog.models import AccessPolicy, Record
from shuxiang.catalog.search.base import Visibility
from shuxiang.core.errors import PermissionDenied
from shuxiang.network import scopes
from shuxiang.network.models import Library


def may_see(record: Record, visibility: Visibility) -> bool:
    """The same rule the search backends apply, for one record already loaded."""
    if visibility.everything:
        return True
    policy = record.access_policy
    if policy == AccessPolicy.PUBLIC:
        return True
    if policy == AccessPolicy.REGISTERED and visibility.authenticated:
        return True
    library = record.library
    if library is None:
        return False
    if (
        policy in (AccessPolicy.LIBRARY, AccessPolicy.NETWORK)
        and library.code == visibility.home_library
    ):
        return True
    codes = {*library.ancestor_codes, library.code}
    return bool(codes & set(visibility.staff_scopes))


def require_source_manager(actor: object, library: Library | None, *, action: str) -> None:
    """Sources of a library are managed by its administrators; shared sources by the system."""
    if library is not None:
        scopes.require(actor, library, action)
        return
    if not getattr(actor, "is_superuser", False):
        raise PermissionDenied(
            _("Only national administrators may %(action)s shared sources.") % {"action": action}
        )
