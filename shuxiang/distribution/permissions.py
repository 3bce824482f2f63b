"""Who may build, export and import packages: staff of the library's subtree build and export
its packages; administrators of the receiving library import into it."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from shuxiang.core.errors import PermissionDenied
from shuxiang.network import scopes
from shuxiang.network.models import Library
from shuxiang.network.scopes import Role


def require_staff_of(actor: object, library: Library, *, action: str) -> None:
    scopes.require(actor, library, action, role=Role.LIBRARIAN)


def require_admin_of(actor: object, library: Library, *, action: str) -> None:
    scopes.require(actor, library, action)


def packages_filter(actor: object) -> Q:
    """Packages of the libraries ``actor`` serves as staff."""
    return scopes.in_scope(actor, "library", role=Role.LIBRARIAN)


def require_some_staff_role(actor: object) -> None:
    """Staff of any library (or the system): checking a bag reveals no library's data."""
    if not scopes.unrestricted(actor) and not scopes.libraries(actor, role=Role.LIBRARIAN):
        raise PermissionDenied(_("Only library staff may check bags."))
