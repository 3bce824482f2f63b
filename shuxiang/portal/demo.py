"""Demo curation: a distributed classics column from the center and a local column in Shaoxing.

Idempotent: a library that already has columns is left as it is.
"""

from __future__ import annotations

from django.db import transaction

from shuxiang.core.actors import SYSTEM
from shuxiang.network.models import Library
from shuxiang.portal import services
from shuxiang.portal.models import Column

NATIONAL_COLUMN = {
    "title": "经典导读",
    "summary": "国家数字图书馆为各分站精选的传统文化经典。",
    "distributed": True,
}
NATIONAL_ENTRIES = [
    {"title": "论语", "url": "/read/demo:lunyu/", "reference": "demo:lunyu", "note": "二十篇"},
    {"title": "大学", "url": "/read/demo:daxue/", "reference": "demo:daxue", "note": "四书之一"},
]
TOPIC = {"title": "读论语", "summary": "从《学而》到《尧曰》，一起读完《论语》二十篇。"}
LOCAL_COLUMN = {"title": "绍兴地方文献", "summary": "绍兴图书馆馆员推荐。"}
LOCAL_ENTRIES = [
    {"title": "论语·学而篇", "url": "/read/demo:lunyu/1/", "note": "馆员推荐：从第一篇读起"},
]


def _column(library: Library, shelf: dict, entries: list[dict]) -> None:
    if Column.objects.filter(library=library).exists():
        return
    column = services.create_shelf(library, "column", shelf, by=SYSTEM)
    for entry in entries:
        services.add_entry(column, entry, by=SYSTEM)


@transaction.atomic
def load_demo_portal() -> None:
    """Create the demo columns and topic where they are missing."""
    national = Library.objects.filter(level=Library.Level.NATIONAL).first()
    if national is not None and not Column.objects.filter(library=national).exists():
        _column(national, NATIONAL_COLUMN, NATIONAL_ENTRIES)
        topic = services.create_shelf(national, "topic", TOPIC, by=SYSTEM)
        services.add_entry(topic, NATIONAL_ENTRIES[0], by=SYSTEM)
    shaoxing = Library.objects.filter(code="330600").first()
    if shaoxing is not None:
        _column(shaoxing, LOCAL_COLUMN, LOCAL_ENTRIES)
