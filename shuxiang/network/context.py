"""Template context for every page: whether the visitor is library staff (for the staff menu)."""

from __future__ import annotations

from shuxiang.network import scopes
from shuxiang.network.scopes import Role


def staff(request) -> dict:
    """``is_library_staff``, read through the scope seam only when a template asks."""
    user = getattr(request, "user", None)
    return {"is_library_staff": lambda: bool(scopes.libraries(user, role=Role.LIBRARIAN))}
