"""Who may do what with resources, and who may read their bytes.

Librarians (and administrators) of a library's subtree create, edit and submit its resources;
administrators publish, withdraw and distribute. Reading follows the resource's access policy.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from shuxiang.core.actors import is_system
from shuxiang.core.errors import PermissionDenied
from shuxiang.network import permissions as network_permissions
from shuxiang.network.models import Library
from shuxiang.network.queries import library_for_ip
from shuxiang.resources.models import Resource


def staff_scopes(actor: object) -> list[Library]:
    """Libraries whose subtree ``actor`` serves as librarian or administrator."""
    if actor is None or is_system(actor) or not getattr(actor, "is_authenticated", False):
        return []
    cached = getattr(actor, "_staff_scopes", None)
    if cached is None:
        cached = list(Library.objects.filter(staff_roles__user=actor).distinct())
        actor._staff_scopes = cached
    return cached


def is_staff_of(actor: object, library: Library) -> bool:
    """True for the system, superusers, and librarians/administrators of ``library``'s tree."""
    if is_system(actor) or getattr(actor, "is_superuser", False):
        return True
    return any(library.in_subtree_of(scope) for scope in staff_scopes(actor))


def require_staff_of(actor: object, library: Library, *, action: str) -> None:
    """Raise PermissionDenied naming the library unless ``actor`` is its staff."""
    if is_staff_of(actor, library):
        return
    if not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(
            _("Log in as a librarian to %(action)s at %(library)s.")
            % {"action": action, "library": library.name}
        )
    raise PermissionDenied(
        _("You are not a librarian of %(library)s, so you cannot %(action)s there.")
        % {"library": library.name, "action": action}
    )


def require_admin_of(actor: object, library: Library, *, action: str) -> None:
    """Administrators of the library's subtree only (publish, withdraw, distribute)."""
    network_permissions.require_admin_of(actor, library, action=action)


def staff_filter(actor: object) -> Q:
    """Resources of the libraries ``actor`` serves as staff."""
    if is_system(actor) or getattr(actor, "is_superuser", False):
        return Q()
    condition = Q(pk__in=[])
    for scope in staff_scopes(actor):
        condition |= Q(library__path__startswith=scope.path)
    return condition


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
