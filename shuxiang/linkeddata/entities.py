"""Entities gathered from the warehouse (面向知识服务): persons, subjects, places and works.

Each gathers the public records and resources related to it, at most ``RELATED`` of each.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q

from shuxiang.catalog.models import Work
from shuxiang.linkeddata import public
from shuxiang.linkeddata.describers.common import names
from shuxiang.network.models import Division

RELATED = 50


@dataclass
class Entity:
    kind: str
    key: str
    label: str
    records: list = field(default_factory=list)
    resources: list = field(default_factory=list)
    libraries: list = field(default_factory=list)
    parent: object = None
    extra: dict = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.records or self.resources or self.libraries)


def _list_contains(name: str, value: str) -> Q:
    """Rows whose JSON list ``name`` holds ``value`` (narrowed; callers check exactly)."""
    if connection.features.supports_json_field_contains:
        return Q(**{f"{name}__contains": [value]})
    escaped = json.dumps(value)[1:-1]
    return Q(**{f"{name}__icontains": escaped}) | Q(**{f"{name}__icontains": value})


def person(name: str) -> Entity:
    records = public.records().filter(_list_contains("creators", name)).order_by("-year", "pk")
    resources = public.resources().filter(Q(creator__contains=name) | Q(contributor__contains=name))
    return Entity(
        "person",
        name,
        name,
        records=[r for r in records[: RELATED * 2] if name in r.creators][:RELATED],
        resources=[
            r for r in resources[: RELATED * 2] if name in names(r.creator) + names(r.contributor)
        ][:RELATED],
    )


def subject(label: str) -> Entity:
    records = public.records().filter(_list_contains("subjects", label)).order_by("-year", "pk")
    resources = public.resources().filter(_list_contains("subjects", label))
    return Entity(
        "subject",
        label,
        label,
        records=[r for r in records[: RELATED * 2] if label in r.subjects][:RELATED],
        resources=[r for r in resources[: RELATED * 2] if label in r.subjects][:RELATED],
    )


def _division_prefix(division: Division) -> str:
    if division.level == Division.Level.PROVINCE:
        return division.code[:2]
    if division.level == Division.Level.PREFECTURE:
        return division.code[:4]
    return division.code


def place(code: str) -> Entity | None:
    division = Division.objects.filter(code=code).first()
    if division is None:
        return None
    prefix = _division_prefix(division)
    libraries = (
        public.libraries().filter(division__code__startswith=prefix).order_by("depth", "code")
    )
    resources = public.resources().filter(library__division__code__startswith=prefix)
    parent = None
    if division.level != Division.Level.PROVINCE:
        parent = Division.objects.filter(code=division.province_code).first()
    return Entity(
        "place",
        code,
        division.name,
        libraries=list(libraries[:RELATED]),
        resources=list(resources[:RELATED]),
        parent=parent,
        extra={"division": division},
    )


def work(pk: int) -> Entity | None:
    found = Work.objects.filter(pk=pk).first()
    if found is None:
        return None
    records = list(public.records().filter(work=found).order_by("pk")[:RELATED])
    if not records:
        return None  # a work shows only through its public holdings
    return Entity("work", str(pk), found.title, records=records, extra={"work": found})
