"""Whom an actor may act for: the one scope seam every app builds on (数据分层管理).

A staff role over a library covers that library and every library below it. Two roles exist;
an administrator is a librarian too, so asking for ``Role.LIBRARIAN`` means "any staff role".
The system and superusers are unrestricted.

    scopes.libraries(actor)                       # where actor administers, root first
    scopes.libraries(actor, role=Role.LIBRARIAN)  # where actor holds any staff role
    scopes.covers(actor, library)                 # may actor administer library?
    scopes.require(actor, library, _("change"))   # ... or PermissionDenied saying why
    Library.objects.filter(scopes.in_scope(actor))           # libraries actor administers
    Resource.objects.filter(scopes.in_scope(actor, "library", role=Role.LIBRARIAN))
    Reader.objects.filter(scopes.in_subtree("home_library", [province]))

An actor's roles are read in one query and kept on the actor object, which lives for one
request (``request.user`` / ``request.auth``); ``forget(actor)`` drops them after a change.
Outside the network app, nothing else turns a library into a path filter.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuxiang.core.actors import is_system
from shuxiang.core.errors import PermissionDenied
from shuxiang.core.prepared import Prepared
from shuxiang.network.models import PATH_SEPARATOR, Library

_MEMO = "_scope_roles"


class Role(models.TextChoices):
    """Staff roles over a library subtree, strongest first."""

    ADMIN = "admin", gettext_lazy("administrator")
    LIBRARIAN = "librarian", gettext_lazy("librarian")


_RANK = {Role.ADMIN: 2, Role.LIBRARIAN: 1}


def unrestricted(actor: object) -> bool:
    """True for the system itself and for node superusers, who act everywhere."""
    return is_system(actor) or bool(getattr(actor, "is_superuser", False))


def _held(actor: object) -> list[tuple[Library, str]]:
    """Every (library, role) ``actor`` holds, root first; one query per actor object."""
    if actor is None or is_system(actor) or not getattr(actor, "is_authenticated", False):
        return []
    held = getattr(actor, _MEMO, None)
    if held is None:
        rows = _ROLES_OF.all(actor.pk)
        held = [(library, library.held_role) for library in rows]
        setattr(actor, _MEMO, held)
    return held


# every signed-in page asks (menus, search visibility): its SQL is built once per process
_ROLES_OF = Prepared(
    lambda user_id: (
        Library.objects.filter(staff_roles__user_id=user_id)
        .annotate(held_role=F("staff_roles__role"))
        .order_by("depth", "code")
    ),
    -987_654_321,
)


def libraries(actor: object, *, role: str = Role.ADMIN) -> list[Library]:
    """Libraries where ``actor`` holds ``role`` or a stronger one, root first, each once."""
    wanted = _RANK[role]
    seen: dict[int, Library] = {}
    for library, held in _held(actor):
        if _RANK.get(held, 0) >= wanted:
            seen.setdefault(library.pk, library)
    return list(seen.values())


def forget(actor: object) -> None:
    """Drop the roles kept on ``actor`` (after granting or revoking one in the same request)."""
    if hasattr(actor, _MEMO):
        delattr(actor, _MEMO)


def covers(actor: object, library: Library, *, role: str = Role.ADMIN) -> bool:
    """True when ``library`` lies in the subtree of a library where ``actor`` holds ``role``."""
    if unrestricted(actor):
        return True
    return any(library.in_subtree_of(scope) for scope in libraries(actor, role=role))


def require(actor: object, library: Library, action: str, *, role: str = Role.ADMIN) -> None:
    """Raise PermissionDenied, saying why, unless ``covers(actor, library, role=role)``.

    ``action`` is a verb phrase that reads before the library's name ("change", "add
    resources to").
    """
    if covers(actor, library, role=role):
        return
    context = {"action": action, "library": library.name}
    admin = role == Role.ADMIN
    if actor is None or not getattr(actor, "is_authenticated", False):
        message = (
            _("Log in as an administrator to %(action)s %(library)s.")
            if admin
            else _("Log in as library staff to %(action)s %(library)s.")
        )
        raise PermissionDenied(message % context)
    scopes = libraries(actor, role=role)
    if not scopes:
        message = (
            _("You hold no administrator role, so you cannot %(action)s %(library)s.")
            if admin
            else _("You hold no staff role, so you cannot %(action)s %(library)s.")
        )
        raise PermissionDenied(message % context)
    message = (
        _(
            "You administer %(scopes)s and the libraries below; %(library)s is outside that "
            "scope, so you cannot %(action)s it."
        )
        if admin
        else _(
            "You are staff of %(scopes)s and the libraries below; %(library)s is outside that "
            "scope, so you cannot %(action)s it."
        )
    )
    raise PermissionDenied(message % {**context, "scopes": "、".join(s.name for s in scopes)})


def in_subtree(field: str, within: Library | str | Iterable[Library | str]) -> Q:
    """Rows whose library ``field`` lies in the subtree of any library of ``within``.

    ``field`` names a foreign key to Library ("library", "home_library", "rule__library");
    an empty string filters Library itself. ``within`` holds libraries or library codes;
    none matches nothing.
    """
    items = [within] if isinstance(within, Library | str) else list(within)
    prefix = f"{field}__path" if field else "path"
    condition = Q(pk__in=[])
    for path in _outermost(item.path for item in items if isinstance(item, Library)):
        condition |= Q(**{f"{prefix}__startswith": path})
    for code in {item for item in items if isinstance(item, str)}:
        condition |= Q(**{f"{prefix}__contains": f"{PATH_SEPARATOR}{code}{PATH_SEPARATOR}"})
    return condition


def in_scope(actor: object, field: str = "", *, role: str = Role.ADMIN) -> Q:
    """Rows whose library ``field`` lies where ``actor`` holds ``role`` (everything when
    unrestricted, nothing for readers and anonymous visitors); no field filters Library."""
    if unrestricted(actor):
        return ~Q(pk__in=[])  # every row, also when OR-ed with another condition
    return in_subtree(field, libraries(actor, role=role))


def _outermost(paths: Iterable[str]) -> list[str]:
    """The paths not inside another one of ``paths`` (a nested scope adds nothing)."""
    kept: list[str] = []
    for path in sorted(set(paths)):
        if not any(path.startswith(outer) for outer in kept):
            kept.append(path)
    return kept
