"""Test records, built through the warehouse services."""

from __future__ import annotations

import itertools

from shuxiang.catalog import services
from shuxiang.catalog.models import Record, Source
from shuxiang.core.actors import SYSTEM

_numbers = itertools.count(1)


def source(key: str = "test", kind: str = Source.Kind.GENERATED, **fields) -> Source:
    made, _ = Source.objects.get_or_create(
        key=key, defaults={"name": fields.pop("name", key), "kind": kind, **fields}
    )
    return made


def record(title: str, *, src: Source | None = None, library=None, access="public", **fields):
    """A record with ``title`` and any core fields (creators, subjects, date, type, …)."""
    return services.upsert_record(
        source=src or source(),
        local_id=fields.pop("local_id", f"r{next(_numbers)}"),
        fmt="native",
        payload="{}",
        fields={"title": title, **fields},
        by=SYSTEM,
        library=library,
        access_policy=access,
    )


def titles(page) -> list[str]:
    return [hit.record.title for hit in page.hits]


def reload(record: Record) -> Record:
    return Record.objects.get(pk=record.pk)
