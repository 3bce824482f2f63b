"""Demo records: the bundled classics, held by the demo network's libraries (idempotent)."""

from __future__ import annotations

from django.db import transaction

from shuxiang.catalog import classics, services
from shuxiang.catalog.models import Source
from shuxiang.core.actors import SYSTEM
from shuxiang.network.models import Library


def load_demo_records() -> int:
    """Store the classics once (a few hundred poems) under the national library; return count."""
    library = Library.objects.filter(level=Library.Level.NATIONAL).first()
    source, _created = Source.objects.get_or_create(
        key="demo-classics",
        defaults={"name": "中华古典诗文", "kind": Source.Kind.GENERATED, "library": library},
    )
    if source.records.exists():
        return 0
    stored = 0
    with transaction.atomic():
        for local_id, fields in classics.entries():
            services.upsert_record(
                source=source, local_id=local_id, fmt="native", payload="{}", fields=fields,
                by=SYSTEM, library=library,
            )  # fmt: skip
            stored += 1
    return stored
