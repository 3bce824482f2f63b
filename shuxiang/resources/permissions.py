"""Who may do what with resources, and who may read their bytes.

Librarians (and administrators) of a library's subtree create, edit and submit its resources;
administrators publish, withdraw and distribute. Reading follows the resource's access policy.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from shuxiang.network import scopes
from shuxiang.network.models import Library
from shuxiang.network.queries import library_for_ip
from shuxiang.network.scopes import Role
from shuxiang.resources.models import Resource


def is_staff_of(actor: object, library: Library) -> bool:
    """True for the system, superusers, and librarians/administrators of ``library``'s tree."""
    return scopes.covers(actor, library, role=Role.LIBRARIAN)


def require_staff_of(actor: object, library: Library, *, action: str) -> None:
    """Raise PermissionDenied naming the library unless ``actor`` is its staff."""
    scopes.require(actor, library, action, role=Role.LIBRARIAN)


def require_admin_of(actor: object, library: Library, *, action: str) -> None:
    """Administrators of the library's subtree only (publish, withdraw, distribute)."""
    scopes.require(actor, library, action)


def staff_filter(actor: object) -> Q:
    """Resources (or batches) of the libraries ``actor`` serves as staff."""
    return scopes.in_scope(actor, "library", role=Role.LIBRARIAN)


def _in_tree(library: Library | None, resource: Resource) -> bool:
    return library is not None and library.in_subtree_of(resource.library)


def read_denial(actor: object, resource: Resource, ip: str | None) -> str | None:
    """None when ``actor`` (from ``ip``) may read the resource's bytes, else the reason."""
    if is_staff_of(actor, resource.library):
        return None
    if resource.status != Resource.Status.PUBLISHED:
        return _("This resource is not published.")
    policy = resource.access
    logged_in = getattr(actor, "is_authenticated", False)
    if policy == Resource.Access.PUBLIC:
        return None
    if policy == Resource.Access.REGISTERED:
        return None if logged_in else _("Log in as a registered reader to open this resource.")
    if policy == Resource.Access.LIBRARY:
        home = getattr(actor, "home_library", None) if logged_in else None
        if _in_tree(home, resource):
            return None
        return _("Only readers registered at %(library)s may open this resource.") % {
            "library": resource.library.name
        }
    if policy == Resource.Access.NETWORK:
        if ip and _in_tree(library_for_ip(ip), resource):
            return None
        return _("This resource opens only inside the network of %(library)s.") % {
            "library": resource.library.name
        }
    return _("Only staff of %(library)s may open this resource.") % {
        "library": resource.library.name
    }
