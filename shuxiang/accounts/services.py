"""Account services used by the foundation: staff roles and API tokens."""

from __future__ import annotations

import secrets

from django.db import transaction

from shuxiang.accounts.models import ApiToken, StaffRole, User
from shuxiang.core import audit
from shuxiang.core.actors import Actor
from shuxiang.network import scopes
from shuxiang.network.models import Library


@transaction.atomic
def grant_staff_role(user: User, library: Library, role: str, *, by: Actor) -> StaffRole:
    """Give ``user`` a role over ``library``'s subtree; the granter must administer it."""
    scopes.require(by, library, "grant staff roles in")
    staff_role, _ = StaffRole.objects.get_or_create(user=user, library=library, role=role)
    scopes.forget(user)
    audit.record(by, "accounts.grant_role", user, library=library.code, role=role)
    return staff_role


@transaction.atomic
def issue_api_token(user: User, name: str) -> str:
    """Create a bearer token for ``user``; the raw token is returned once and never stored."""
    raw = "sx_" + secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, digest=ApiToken.digest_of(raw))
    return raw


def user_for_token(raw: str) -> User | None:
    """Return the active user owning bearer token ``raw``, or None."""
    token = (
        ApiToken.objects.select_related("user", "user__home_library")
        .filter(digest=ApiToken.digest_of(raw), user__is_active=True)
        .first()
    )
    return token.user if token else None
