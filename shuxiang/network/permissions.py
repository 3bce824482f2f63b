"""Who may change which library: administrators act on their library's subtree only."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from shuxiang.core.actors import is_system
from shuxiang.core.errors import PermissionDenied
from shuxiang.network.models import Library


def administered_libraries(actor: object) -> list[Library]:
    """Libraries whose subtree ``actor`` administers (cached on the actor for one request)."""
    if actor is None or is_system(actor) or not getattr(actor, "is_authenticated", False):
        return []
    cached = getattr(actor, "_administered_libraries", None)
    if cached is None:
        from shuxiang.accounts.models import StaffRole

        cached = list(
            Library.objects.filter(
                staff_roles__user=actor, staff_roles__role=StaffRole.Role.ADMIN
            ).order_by("depth")
        )
        actor._administered_libraries = cached
    return cached


def is_admin_of(actor: object, library: Library) -> bool:
    """True when ``actor`` may administer ``library`` (it lies in one of their subtrees)."""
    if is_system(actor) or getattr(actor, "is_superuser", False):
        return True
    return any(library.in_subtree_of(scope) for scope in administered_libraries(actor))


def require_admin_of(actor: object, library: Library, *, action: str) -> None:
    """Raise PermissionDenied, with the reason, unless ``actor`` administers ``library``."""
    if is_admin_of(actor, library):
        return
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(
            _("Log in as an administrator to %(action)s %(library)s.")
            % {"action": action, "library": library.name}
        )
    scopes = administered_libraries(actor)
    if not scopes:
        raise PermissionDenied(
            _("You hold no administrator role, so you cannot %(action)s %(library)s.")
            % {"action": action, "library": library.name}
        )
    names = "、".join(scope.name for scope in scopes)
    raise PermissionDenied(
        _(
            "You administer %(scopes)s and the libraries below; %(library)s is outside that "
            "scope, so you cannot %(action)s it."
        )
        % {"scopes": names, "library": library.name, "action": action}
    )


def subtree_filter(actor: object) -> Q:
    """A filter matching every library ``actor`` administers (nothing for non-staff)."""
    if is_system(actor) or getattr(actor, "is_superuser", False):
        return Q()
    scopes = administered_libraries(actor)
    if not scopes:
        return Q(pk__in=[])
    condition = Q(pk__in=[])
    for scope in scopes:
        condition |= Q(path__startswith=scope.path)
    return condition
