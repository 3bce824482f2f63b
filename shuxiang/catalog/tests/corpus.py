"""The fixed relevance corpus: Tang and Song poems, the Book of Songs, the Analects, and a
few English books (all in tests/data), loaded through the warehouse services."""

from __future__ import annotations

import json
import re
from pathlib import Path

from django.db import transaction

from shuxiang.catalog import services
from shuxiang.catalog.models import Record
from shuxiang.catalog.normalize import fold
from shuxiang.catalog.tests.factories import source
from shuxiang.core.actors import SYSTEM

DATA = Path(__file__).parent / "data"
SCHOOL_TAGS = re.compile(r"(年级|古诗|唐诗三百首|宋词三百首)")
CLAUSE = re.compile(r"[，。、？！；：]")


def _load(name: str) -> list[dict]:
    return json.loads((DATA / "texts" / name).read_text(encoding="utf-8"))


def _tags(item: dict) -> list[str]:
    return [t for t in item.get("tags", []) if not SCHOOL_TAGS.search(t)]


def entries() -> list[tuple[str, dict]]:
    """(local id, fields) of every corpus record."""
    found = []
    for item in _load("tangshi_300.json"):
        found.append(
            (
                f"tang-{item['id']}",
                {
                    "title": item["title"],
                    "creators": [item["author"]],
                    "subjects": _tags(item),
                    "description": "".join(item["paragraphs"])[:300],
                    "collection": "唐诗三百首",
                    "type": "poem",
                    "language": "zh",
                },
            )
        )
    for n, item in enumerate(_load("songci_300.json")):
        first = CLAUSE.split(item["paragraphs"][0])[0]
        found.append(
            (
                f"song-{n}",
                {
                    "title": f"{item['rhythmic']}·{first}",
                    "creators": [item["author"]],
                    "subjects": _tags(item),
                    "description": "".join(item["paragraphs"])[:300],
                    "collection": "宋词三百首",
                    "type": "poem",
                    "language": "zh",
                },
            )
        )
    for n, item in enumerate(_load("shijing.json")):
        found.append(
            (
                f"shijing-{n}",
                {
                    "title": item["title"],
                    "subjects": [item["chapter"], item["section"]],
                    "description": "".join(item["content"])[:300],
                    "collection": "诗经",
                    "type": "poem",
                    "language": "zh",
                },
            )
        )
    for n, item in enumerate(_load("lunyu.json")):
        found.append(
            (
                f"lunyu-{n}",
                {
                    "title": item["chapter"],
                    "creators": ["孔子弟子"],
                    "subjects": ["儒家"],
                    "description": "".join(item["paragraphs"])[:300],
                    "collection": "论语",
                    "type": "classic",
                    "language": "zh",
                },
            )
        )
    for item in judgments()["english"]:
        found.append((item["key"], {**item, "type": "book", "language": "en"}))
    return found


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
