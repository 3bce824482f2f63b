"""Who may curate a site: its administrators and librarians (roles scoped to a subtree)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from shuxiang.network import scopes
from shuxiang.network.models import Library
from shuxiang.network.scopes import Role


def can_curate(actor: object, library: Library) -> bool:
    """True when ``actor`` may edit ``library``'s columns and topics."""
    return scopes.covers(actor, library, role=Role.LIBRARIAN)


def require_curator(actor: object, library: Library) -> None:
    """Raise PermissionDenied, saying why, unless ``actor`` may curate ``library``'s site."""
    scopes.require(actor, library, _("edit the site of"), role=Role.LIBRARIAN)
