"""Who may curate a site: its administrators and librarians (roles scoped to a subtree)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from shuxiang.core.actors import is_system
from shuxiang.core.errors import PermissionDenied
from shuxiang.network.models import Library


def curated_libraries(actor: object) -> list[Library]:
    """Libraries whose subtree ``actor`` holds a librarian or administrator role over."""
    if actor is None or is_system(actor) or not getattr(actor, "is_authenticated", False):
        return []
    cached = getattr(actor, "_curated_libraries", None)
    if cached is None:
        from shuxiang.accounts.models import StaffRole

        cached = list(
            Library.objects.filter(
                staff_roles__user=actor,
                staff_roles__role__in=(StaffRole.Role.ADMIN, StaffRole.Role.LIBRARIAN),
            )
            .distinct()
            .order_by("depth")
        )
        actor._curated_libraries = cached
    return cached


def can_curate(actor: object, library: Library) -> bool:
    """True when ``actor`` may edit ``library``'s columns and topics (administrators are among
    the curators, so one query of the actor's roles answers)."""
    if is_system(actor) or getattr(actor, "is_superuser", False):
        return True
    return any(library.in_subtree_of(scope) for scope in curated_libraries(actor))


def require_curator(actor: object, library: Library) -> None:
    """Raise PermissionDenied, saying why, unless ``actor`` may curate ``library``'s site."""
    if can_curate(actor, library):
        return
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied(
            _("Log in as a librarian of %(library)s to edit its site.") % {"library": library.name}
        )
    raise PermissionDenied(
        _(
            "Only librarians and administrators of %(library)s (or of a library above it) may "
            "edit its site."
        )
        % {"library": library.name}
    )
