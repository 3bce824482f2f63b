"""Account services used by the foundation: staff roles and API tokens (issue, list, revoke)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from shuxiang.accounts.models import ApiToken, StaffRole, User
from shuxiang.core import audit, options
from shuxiang.core.actors import Actor, is_system
from shuxiang.core.errors import NotFound
from shuxiang.network import permissions
from shuxiang.network.models import Library


@transaction.atomic
def grant_staff_role(user: User, library: Library, role: str, *, by: Actor) -> StaffRole:
    """Give ``user`` a role over ``library``'s subtree; the granter must administer it."""
    permissions.require_admin_of(by, library, action="grant staff roles in")
    staff_role, _ = StaffRole.objects.get_or_create(user=user, library=library, role=role)
    audit.record(by, "accounts.grant_role", user, library=library.code, role=role)
    return staff_role


def _credentials(user: User) -> str:
    """Django's marker of the user's password (changes whenever the password does)."""
    return user.get_session_auth_hash()


@transaction.atomic
def issue_api_token(user: User, name: str, *, days: int | None = None) -> str:
    """Create a bearer token for ``user``; the raw token is returned once and never stored."""
    raw = "sx_" + secrets.token_urlsafe(32)
    lifetime = options.value("API_TOKEN_DAYS") if days is None else days
    ApiToken.objects.create(
        user=user,
        name=(name or "api")[:100],
        digest=ApiToken.digest_of(raw),
        expires_at=timezone.now() + dt.timedelta(days=lifetime),
        credentials=_credentials(user),
    )
    return raw


def user_for_token(raw: str) -> User | None:
    """Return the active user owning bearer token ``raw`` when it is still valid, or None."""
    token = (
        ApiToken.objects.select_related("user", "user__home_library")
        .filter(digest=ApiToken.digest_of(raw), user__is_active=True)
        .filter(expires_at__gt=timezone.now())
        .first()
    )
    if token is None or not constant_time_compare(token.credentials, _credentials(token.user)):
        return None
    return token.user


def _may_manage_tokens_of(actor: Actor, owner: User) -> bool:
    """The owner, or an administrator above them (their home library or their staff roles)."""
    if getattr(actor, "pk", None) == owner.pk or is_system(actor):
        return True
    if getattr(actor, "is_superuser", False):
        return True
    places = list(Library.objects.filter(staff_roles__user=owner).distinct())
    above = [lib.parent for lib in places if lib.parent_id]
    if not places and owner.home_library_id:
        above = [owner.home_library]
    return bool(above) and all(permissions.is_admin_of(actor, lib) for lib in above)


def _require_manager(actor: Actor, owner: User) -> None:
    if not _may_manage_tokens_of(actor, owner):
        raise NotFound(_("No such account among the people you manage."))


def tokens_of(owner: User, *, by: Actor) -> list[ApiToken]:
    """``owner``'s tokens still valid, newest first (never the token itself)."""
    _require_manager(by, owner)
    marker = _credentials(owner)
    tokens = ApiToken.objects.filter(user=owner, expires_at__gt=timezone.now())
    return [t for t in tokens.order_by("-created_at", "-id") if t.credentials == marker]


@transaction.atomic
def revoke_api_token(token_id: int, *, by: Actor) -> None:
    """Delete one token; its owner or an administrator above them may."""
    token = ApiToken.objects.select_related("user").filter(pk=token_id).first()
    if token is None:
        raise NotFound(_("No such token."))
    _require_manager(by, token.user)
    token.delete()
    audit.record(by, "accounts.revoke_token", token.user, name=token.name)


def revoke_all_tokens(user: User, *, by: Actor, reason: str) -> int:
    """Delete every token of ``user`` (credentials changed); returns how many there were."""
    count, _ = ApiToken.objects.filter(user=user).delete()
    if count:
        audit.record(by, "accounts.revoke_tokens", user, reason=reason, count=count)
    return count
