"""Who may register, review and maintain identifiers.

- Registrars of a library: its staff (administrators or librarians) or administrators above it.
- Reviewers of an application: administrators of the applying library's parent (or above), so
  a library never approves its own application.
- Prefixes: administrators of the national center (the root library) only.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from shuxiang.core.actors import is_system
from shuxiang.core.errors import PermissionDenied
from shuxiang.network import permissions as network
from shuxiang.network.models import Library

APPLYING_LEVELS = (Library.Level.NATIONAL, Library.Level.PROVINCIAL, Library.Level.CITY)


def _staff_libraries(actor: object) -> list[Library]:
    if actor is None or is_system(actor) or not getattr(actor, "is_authenticated", False):
        return []
    cached = getattr(actor, "_pid_staff_libraries", None)
    if cached is None:
        cached = list(Library.objects.filter(staff_roles__user=actor).distinct())
        actor._pid_staff_libraries = cached
    return cached


def is_registrar_of(actor: object, library: Library) -> bool:
    """Staff of ``library`` (any role) or administrators of it or a library above it."""
    if network.is_admin_of(actor, library):
        return True
    return any(library.in_subtree_of(scope) for scope in _staff_libraries(actor))


def require_registrar_of(actor: object, library: Library, *, action: str) -> None:
    if is_registrar_of(actor, library):
        return
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(
            _("Log in as staff of %(library)s to %(action)s.") % _ctx(library, action)
        )
    raise PermissionDenied(
        _("You are not staff of %(library)s or a library above it, so you cannot %(action)s.")
        % _ctx(library, action)
    )


def is_reviewer_for(actor: object, library: Library) -> bool:
    """Administrators of the parent of ``library`` (or above) review its applications."""
    return network.is_admin_of(actor, library.parent or library)


def require_reviewer_for(actor: object, library: Library) -> None:
    if library.parent is None and not getattr(actor, "is_superuser", False):
        if not network.is_admin_of(actor, library):
            raise PermissionDenied(_("Only the national center reviews its own identifiers."))
        return
    network.require_admin_of(actor, library.parent or library, action=_("review identifiers of"))


def require_national_admin(actor: object) -> None:
    root = Library.objects.filter(parent__isnull=True).first()
    if root is None or not network.is_admin_of(actor, root):
        raise PermissionDenied(_("Only administrators of the national center allocate prefixes."))


def reviewable_filter(actor: object):
    """Libraries whose applications ``actor`` may review (their parent lies in scope)."""
    from django.db.models import Q

    scope = network.subtree_filter(actor)
    if scope == Q():
        return Q()
    return Q(parent__in=Library.objects.filter(scope))


def _ctx(library: Library, action: str) -> dict[str, str]:
    return {"library": library.name, "action": action}
