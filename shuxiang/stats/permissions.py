"""Who may see which figures: administrators see their library's subtree, nothing else."""

from __future__ import annotations

from django.utils.translation import gettext as _

from shuxiang.core.errors import NotFound, PermissionDenied
from shuxiang.network import scopes
from shuxiang.network.models import Library


def library_named(code: str) -> Library:
    """The library with ``code`` or NotFound naming the field."""
    library = Library.objects.filter(code=code).first()
    if library is None:
        raise NotFound(
            _("No library has the code %(code)s.") % {"code": code},
        )
    return library


def require_figures_of(actor: object, library: Library) -> None:
    """PermissionDenied unless ``actor`` administers ``library`` (or a library above it)."""
    scopes.require(actor, library, _("view the usage figures of"))


def home_scope(actor: object) -> Library:
    """The highest library whose figures ``actor`` may see (the national library for system)."""
    if scopes.unrestricted(actor):
        root = Library.objects.filter(depth=0).order_by("path").first()
        if root is not None:
            return root
    administered = scopes.libraries(actor)
    if not administered:
        raise PermissionDenied(_("Only library administrators can see usage figures."))
    return administered[0]


def is_national_admin(actor: object) -> bool:
    """True for the system, superusers, and administrators of a national-level library."""
    if scopes.unrestricted(actor):
        return True
    return any(lib.level == Library.Level.NATIONAL for lib in scopes.libraries(actor))
