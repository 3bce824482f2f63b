"""The seam to the identifier system (SPEC §4): register on publish, withdraw on withdrawal.

Calls run after the publishing transaction commits. When ``shuxiang.identifiers`` is not
installed on this node the calls are skipped: resources publish without an identifier.
"""

from __future__ import annotations

import logging

from django.apps import apps
from django.db import transaction

from shuxiang.core.actors import SYSTEM
from shuxiang.core.http import base_url
from shuxiang.resources.models import Resource, ResourceFile

log = logging.getLogger(__name__)


def available() -> bool:
    """True when this node runs the identifier system."""
    return apps.is_installed("shuxiang.identifiers")


def resource_location(resource: Resource) -> str:
    """The absolute URL of the resource's page (what the identifier resolves to)."""
    return base_url() + resource.get_absolute_url()


def _fingerprint(resource: Resource) -> str:
    original = resource.files.filter(role=ResourceFile.Role.ORIGINAL).order_by("order").first()
    return original.sha256 if original else resource.fingerprint


def _register(resource_id: int) -> None:
    from shuxiang.core.errors import ServiceError
    from shuxiang.identifiers import services as identifiers

    resource = Resource.objects.select_related("library").get(pk=resource_id)
    try:
        record = _register_record(identifiers, resource)
    except ServiceError as exc:
        log.warning("no identifier for resource %s: %s", resource_id, exc)
        return
    Resource.objects.filter(pk=resource_id).update(identifier=record.name)


def _register_record(identifiers, resource: Resource):
    return identifiers.register_for_resource(
        library=resource.library,
        location=resource_location(resource),
        metadata={
            "title": resource.title,
            "creator": resource.creator,
            "date": resource.date,
            "type": resource.type,
        },
        rights=resource.rights,
        fingerprint=_fingerprint(resource),
        by=SYSTEM,
        resource_type=resource.type,
    )


def _withdraw(name: str, reason: str) -> None:
    from shuxiang.identifiers import services as identifiers

    identifiers.withdraw(name, by=SYSTEM, reason=reason)


def register_after_commit(resource: Resource) -> None:
    """Register (or update) the resource's identifier once the current transaction commits."""
    if available():
        transaction.on_commit(lambda: _register(resource.pk))


def withdraw_after_commit(resource: Resource, reason: str) -> None:
    """Withdraw the resource's identifier (leaving its tombstone) after commit."""
    if available() and resource.identifier:
        name = resource.identifier
        transaction.on_commit(lambda: _withdraw(name, reason))
