"""The seam to the identifier system (SPEC §4): register on publish, withdraw on withdrawal.

The publishing transaction records a job (``shuxiang.core.jobs``) that runs after it commits,
retried with backoff until the identifier system answers; a registration that cannot succeed
(the input is refused) fails the job with the reason, visible to staff. When
``shuxiang.identifiers`` is not installed on this node no job is made: resources publish
without an identifier.
"""

from __future__ import annotations

from django.apps import apps

from shuxiang.core import jobs
from shuxiang.core.actors import SYSTEM
from shuxiang.core.http import base_url
from shuxiang.resources.models import Resource, ResourceFile


def available() -> bool:
    """True when this node runs the identifier system."""
    return apps.is_installed("shuxiang.identifiers")


def resource_location(resource: Resource) -> str:
    """The absolute URL of the resource's page (what the identifier resolves to)."""
    return base_url() + resource.get_absolute_url()


def _fingerprint(resource: Resource) -> str:
    original = resource.files.filter(role=ResourceFile.Role.ORIGINAL).order_by("order").first()
    return original.sha256 if original else resource.fingerprint


def register_job(job: jobs.Job) -> None:
    """Job handler: register (or update) the identifier of a published resource.

    Idempotent: registration finds the library's live identifier by the fingerprint. A
    refused registration (a ServiceError) is not retried: it fails with its reason.
    """
    from shuxiang.core.errors import ServiceError
    from shuxiang.identifiers import services as identifiers
    from shuxiang.resources import catalog_sync

    resource = Resource.objects.select_related("library").filter(pk=job.payload["resource"]).first()
    if resource is None or resource.status != Resource.Status.PUBLISHED:
        return
    try:
        record = _register_record(identifiers, resource)
    except ServiceError as exc:
        raise jobs.Permanent(
            f"the identifier system refused resource {resource.pk}: {exc}"
        ) from exc
    if record.name != resource.identifier:
        Resource.objects.filter(pk=resource.pk).update(identifier=record.name)
        resource.identifier = record.name
        catalog_sync.sync_after_commit(resource)  # the warehouse record names the identifier


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


def withdraw_job(job: jobs.Job) -> None:
    """Job handler: withdraw an identifier (already withdrawn counts as done)."""
    from shuxiang.identifiers import services as identifiers
    from shuxiang.identifiers.models import Identifier

    name = job.payload["name"]
    status = Identifier.objects.filter(name=name).values_list("status", flat=True).first()
    if status in (None, Identifier.Status.WITHDRAWN):
        return
    identifiers.withdraw(name, by=SYSTEM, reason=job.payload["reason"])


def register_after_commit(resource: Resource) -> None:
    """Register (or update) the resource's identifier once the current transaction commits."""
    if available():
        jobs.defer(REGISTER, {"resource": resource.pk}, library=resource.library)


def withdraw_after_commit(resource: Resource, reason: str) -> None:
    """Withdraw the resource's identifier (leaving its tombstone) after commit."""
    if available() and resource.identifier:
        payload = {"name": resource.identifier, "reason": reason}
        jobs.defer(WITHDRAW, payload, library=resource.library)


REGISTER = "resources.register_identifier"
WITHDRAW = "resources.withdraw_identifier"
