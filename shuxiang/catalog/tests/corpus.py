"""The fixed relevance corpus: the bundled classics (``shuxiang.catalog.classics``) plus a
few English books from tests/data/relevance.json, loaded through the warehouse services."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.db import transaction

from shuxiang.catalog import classics, services
from shuxiang.catalog.models import Record
from shuxiang.catalog.normalize import fold
from shuxiang.catalog.tests.factories import source
from shuxiang.core.actors import SYSTEM

DATA = Path(__file__).parent / "data"


def entries() -> list[tuple[str, dict]]:
    """(local id, fields) of every corpus record: the classics and the English books."""
    english = [
        (item["key"], {**item, "type": "book", "language": "en"}) for item in judgments()["english"]
    ]
    return classics.entries() + english


def judgments() -> dict:
    return json.loads((DATA / "relevance.json").read_text(encoding="utf-8"))


def load() -> int:
    """Store the corpus (one transaction, so the index updates once)."""
    src = source("corpus", name="Relevance corpus")
    with transaction.atomic():
        for local_id, fields in entries():
            services.upsert_record(
                source=src, local_id=local_id, fmt="native", payload="{}", fields=fields, by=SYSTEM
            )
    return Record.objects.count()


def resolve(key: str) -> set[int]:
    """Record ids a judgment key stands for (see relevance.json's ``about``)."""
    records = Record.objects.filter(source__key="corpus")
    if key.startswith("en-"):
        return set(records.filter(local_id=key).values_list("id", flat=True))
    kind, op, value = re.match(r"(\w+)([=~])(.*)", key).groups()
    value = fold(value)
    matches = set()
    for record in records:
        if kind == "title":
            have = [record.title]
        elif kind == "creator":
            have = record.creators
        elif kind == "subject":
            have = record.subjects
        else:
            have = [record.collection]
        have = [fold(v) for v in have]
        if any(v == value if op == "=" else value in v for v in have):
            matches.add(record.pk)
    return matches
