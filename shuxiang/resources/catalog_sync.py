"""The seam to the metadata warehouse (SPEC §6): published resources become search records.

After the publishing transaction commits, a published resource is written to the warehouse
(and so to the search index and the OAI-PMH provider); a withdrawn one is marked deleted there.
Skipped when ``shuxiang.catalog`` is not installed on this node.
"""

from __future__ import annotations

import logging

from django.apps import apps
from django.db import transaction

from shuxiang.resources.models import Resource

log = logging.getLogger(__name__)
SOURCE_KEY = "resources"


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


def _sync(resource_id: int) -> None:
    from shuxiang.catalog.services import upsert_local_record

    resource = Resource.objects.select_related("library", "collection").get(pk=resource_id)
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
        transaction.on_commit(lambda: _sync(resource.pk), robust=True)
