"""Upstream identity sources per library: pick the backend, check credentials, link the reader."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from shuxiang.accounts import person_ids, pii
from shuxiang.accounts.models import ExternalIdentity, IdentitySource, ReaderCard, User
from shuxiang.accounts.sources.base import (
    IdentitySourceBackend,
    SourceUnavailable,
    UpstreamIdentity,
)
from shuxiang.core import audit
from shuxiang.core.actors import SYSTEM
from shuxiang.network.models import Library

log = logging.getLogger(__name__)

__all__ = [
    "IdentitySourceBackend",
    "SourceUnavailable",
    "UpstreamIdentity",
    "authenticate_upstream",
    "backend_for",
]


def backend_for(source: IdentitySource) -> IdentitySourceBackend:
    """Instantiate the backend class registered for ``source.kind``."""
    path = settings.IDENTITY_SOURCE_KINDS[source.kind]
    return import_string(path)(source.config, source.library)


@transaction.atomic
def link(source: IdentitySource, identity: UpstreamIdentity, backend) -> User:
    """The local account linked to ``identity``, created (and carded) on first login."""
    existing = (
        ExternalIdentity.objects.select_related("user")
        .filter(source=source, external_id=identity.external_id)
        .first()
    )
    if existing is not None:
        existing.last_login_at = timezone.now()
        existing.save(update_fields=["last_login_at"])
        return existing.user
    import secrets

    user = User(
        username="reader-" + secrets.token_hex(5),
        display_name=identity.display_name,
        home_library=source.library,
    )
    if backend.vouches_real_name:
        user.real_name_method = User.RealName.UPSTREAM
        user.real_name_verified_at = timezone.now()
    user.set_unusable_password()
    user.save()
    ExternalIdentity.objects.create(
        source=source, external_id=identity.external_id, user=user, last_login_at=timezone.now()
    )
    number = person_ids.compact(identity.card_number).upper()
    digest = pii.lookup_hash(number)
    cards = ReaderCard.objects.filter(library=source.library, number_hash=digest)
    if number and not cards.exists():
        ReaderCard.objects.create(user=user, library=source.library, number=number)
    audit.record(SYSTEM, "accounts.link_upstream", user, source=source.name)
    return user


def authenticate_upstream(library: Library, identifier: str, password: str) -> User | None:
    """Try ``library``'s enabled sources in order; the first that accepts links the reader."""
    for source in IdentitySource.objects.filter(library=library, enabled=True):
        backend = backend_for(source)
        try:
            identity = backend.authenticate(identifier, password)
        except SourceUnavailable as exc:
            log.warning("identity source %s unavailable: %s", source.name, exc)
            continue
        if identity is not None:
            return link(source, identity, backend)
    return None
