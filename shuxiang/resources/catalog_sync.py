"""The seam to the metadata warehouse (SPEC §6): published resources become search records.

The publishing transaction records a job (``shuxiang.core.jobs``); after commit it writes a
published resource to the warehouse (and so to the search index and the OAI-PMH provider) or
marks a withdrawn one deleted there, retried until it succeeds. The job reads the resource as
it is when it runs, so running it twice is harmless. Skipped when ``shuxiang.catalog`` is not
installed on this node.
"""

from __future__ import annotations

import logging

from django.apps import apps

from shuxiang.core import jobs
from shuxiang.resources.models import Resource

log = logging.getLogger(__name__)
SOURCE_KEY = "resources"
SYNC = "resources.sync_catalog"


def record_payload(resource: Resource) -> dict:
    """The resource's Dublin Core-style fields as the warehouse reads them."""
    identifiers = [resource.identifier] if resource.identifier else []
    return {
        "id": f"resource:{resource.pk}",
        "title": resource.title,
        "creators": [c for c in (resource.creator, resource.contributor) if c],
        "subjects": list(resource.subjects or []),
        "description": resource.description,
        "publisher": resource.publisher,
        "date": resource.date,
        "language": resource.language,
        "type": resource.type,
        "collection": resource.collection.name,
        "identifiers": [*identifiers, resource.get_absolute_url()],
        "isbn": (resource.extra or {}).get("isbn", ""),
    }


def sync_job(job: jobs.Job) -> None:
    """Job handler: bring the warehouse record of the resource up to date."""
    from shuxiang.catalog.services import upsert_local_record

    resource = (
        Resource.objects.select_related("library", "collection")
        .filter(pk=job.payload["resource"])
        .first()
    )
    if resource is None:
        return
    upsert_local_record(
        source_key=SOURCE_KEY,
        library=resource.library,
        payload=record_payload(resource),
        access_policy=resource.access,
        deleted=resource.status != Resource.Status.PUBLISHED,
    )


def sync_after_commit(resource: Resource) -> None:
    """Bring the warehouse record of ``resource`` up to date once the transaction commits."""
    if apps.is_installed("shuxiang.catalog"):
        jobs.defer(SYNC, {"resource": resource.pk}, library=resource.library)
