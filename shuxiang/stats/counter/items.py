"""What COUNTER needs to know about a used item, read from the node's resources (资源).

Usage events name an item (``resource:<id>``) and its resource type; the report attributes come
from the resource: YOP (its date, or a journal issue's year; 0001 when unknown), Access_Type
(Controlled when the access policy restricts it to some readers; Open when everyone may read it
under an open licence; Free_To_Read when everyone may read it otherwise), its title (a journal
issue and a newspaper page are reported under their journal or newspaper title), authors,
publication date and identifiers. Items with no resource row keep their event's type and title.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.apps import apps

from shuxiang.stats.counter.views import ITEM_LEVEL, TITLE_LEVEL

NAMESPACE = "Shuxiang"
YOP_UNKNOWN = "0001"
OPEN_LICENCES = re.compile(r"^(cc|cc0|cc-|public.domain|pddl|odc|oa\b|gfdl)", re.I | re.ASCII)
ISSN = re.compile(r"^[0-9]{4}-[0-9]{3}[0-9X]$", re.ASCII)
YEAR = re.compile(r"^([0-9]{4})", re.ASCII)
FULL_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", re.ASCII)
RESOURCE_ID = re.compile(r"^resource:([0-9]{1,18})$", re.ASCII)
PARENT_FIELDS = {"journal_issue": "journal_title", "newspaper_page": "newspaper_title"}


@dataclass(frozen=True)
class Item:
    """One used item with the attributes and descriptions the reports show."""

    item_id: str
    name: str
    title_type: str  # Data_Type at title level (TR)
    item_type: str  # Data_Type at item level (IR)
    yop: str = YOP_UNKNOWN
    access_type: str = "Controlled"
    title_key: str = ""  # the title the item counts under in TR (its parent, if any)
    title_name: str = ""
    title_ids: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)
    authors: tuple[str, ...] = ()
    publication_date: str = ""

    @property
    def has_parent(self) -> bool:
        return self.title_key != self.item_id

    def identifiers(self) -> set[str]:
        """Every spelling an ``item_id`` filter may use for this item or its title."""
        values = {self.item_id, self.title_key}
        for ids in (self.ids, self.title_ids):
            values |= set(ids.values())
        return {v for v in values if v} | {f"{NAMESPACE}:{v}" for v in (self.item_id,)}


def _proprietary(key: str) -> dict:
    return {"Proprietary": f"{NAMESPACE}:{key}"}


def _access_type(resource) -> str:
    if resource.access != "public":
        return "Controlled"
    return "Open" if OPEN_LICENCES.match(resource.licence.strip()) else "Free_To_Read"


def _yop(resource) -> str:
    extra = resource.extra or {}
    year = str(extra.get("year") or "")
    match = YEAR.match(year) or YEAR.match(resource.date or "")
    if not match:
        match = YEAR.match(str(extra.get("issue_date") or extra.get("published_date") or ""))
    return match[1] if match and match[1] != "0000" else YOP_UNKNOWN


def _from_resource(item_id: str, resource) -> Item:
    title_type = TITLE_LEVEL.get(resource.type, "Other")
    extra = resource.extra or {}
    title_key, title_name, title_ids = item_id, resource.title, _proprietary(item_id)
    parent = str(extra.get(PARENT_FIELDS.get(resource.type, ""), "") or "").strip()
    if parent:
        issn = str(extra.get("issn") or "")
        title_key = f"{resource.type.split('_')[0]}:{issn or parent}"
        title_name, title_ids = parent, _proprietary(title_key)
        if ISSN.match(issn):
            title_ids["Print_ISSN"] = issn
    authors = tuple(name for name in re.split(r"[;；]", resource.creator or "") if name.strip())
    return Item(
        item_id=item_id,
        name=resource.title,
        title_type=title_type,
        item_type=ITEM_LEVEL.get(title_type, title_type),
        yop=_yop(resource),
        access_type=_access_type(resource),
        title_key=title_key,
        title_name=title_name,
        title_ids=title_ids,
        ids=_proprietary(item_id),
        authors=tuple(name.strip() for name in authors)[:3],
        publication_date=resource.date if FULL_DATE.match(resource.date or "") else "",
    )


def _from_event(item_id: str, title: str, resource_type: str) -> Item:
    title_type = TITLE_LEVEL.get(resource_type.lower(), "Other")
    return Item(
        item_id=item_id,
        name=title or item_id,
        title_type=title_type,
        item_type=ITEM_LEVEL.get(title_type, title_type),
        title_key=item_id,
        title_name=title or item_id,
        title_ids=_proprietary(item_id),
        ids=_proprietary(item_id),
    )


def _resources(item_ids) -> dict[int, object]:
    if not apps.is_installed("shuxiang.resources"):
        return {}
    wanted = {int(m[1]) for i in item_ids if (m := RESOURCE_ID.match(i))}
    model = apps.get_model("resources", "Resource")
    fields = ("id", "type", "title", "creator", "date", "access", "licence", "extra")
    ids, found = sorted(wanted), {}
    for start in range(0, len(ids), 500):  # SQLite bounds the number of query parameters
        chunk = model.objects.filter(pk__in=ids[start : start + 500]).only(*fields)
        found.update((r.pk, r) for r in chunk)
    return found


def describe(rows: list[tuple]) -> dict[str, Item]:
    """Item id → :class:`Item` for every item of the backend's ``item_rows``."""
    firsts = {}
    for _, item_id, title, resource_type, *_ in rows:
        if item_id:
            firsts.setdefault(item_id, (title, resource_type))
    resources = _resources(firsts)
    items = {}
    for item_id, (title, resource_type) in firsts.items():
        match = RESOURCE_ID.match(item_id)
        resource = resources.get(int(match[1])) if match else None
        if resource is not None:
            items[item_id] = _from_resource(item_id, resource)
        else:
            items[item_id] = _from_event(item_id, title, resource_type)
    return items
