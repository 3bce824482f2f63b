"""Who may register, review and maintain identifiers.

- Registrars of a library: its staff (administrators or librarians) or administrators above it.
- Reviewers of an application: administrators of the applying library's parent (or above), so
  a library never approves its own application.
- Prefixes: administrators of the national center (the root library) only.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from shuxiang.core.errors import PermissionDenied
from shuxiang.network import scopes
from shuxiang.network.models import Library
from shuxiang.network.scopes import Role

APPLYING_LEVELS = (Library.Level.NATIONAL, Library.Level.PROVINCIAL, Library.Level.CITY)


def is_registrar_of(actor: object, library: Library) -> bool:
    """Staff of ``library`` (any role) or of a library above it."""
    return scopes.covers(actor, library, role=Role.LIBRARIAN)


def require_registrar_of(actor: object, library: Library, *, action: str) -> None:
    scopes.require(actor, library, action, role=Role.LIBRARIAN)


def is_reviewer_for(actor: object, library: Library) -> bool:
    """Administrators of the parent of ``library`` (or above) review its applications."""
    return scopes.covers(actor, library.parent or library)


def require_reviewer_for(actor: object, library: Library) -> None:
    if library.parent is None and not scopes.unrestricted(actor):
        if not scopes.covers(actor, library):
            raise PermissionDenied(_("Only the national center reviews its own identifiers."))
        return
    scopes.require(actor, library.parent or library, _("review identifiers of"))


def require_national_admin(actor: object) -> None:
    root = Library.objects.filter(parent__isnull=True).first()
    if root is None or not scopes.covers(actor, root):
        raise PermissionDenied(_("Only administrators of the national center allocate prefixes."))


def reviewable_filter(actor: object) -> Q:
    """Libraries whose applications ``actor`` may review (their parent lies in scope)."""
    if scopes.unrestricted(actor):
        return scopes.in_scope(actor)
    return Q(parent__in=Library.objects.filter(scopes.in_scope(actor)))
