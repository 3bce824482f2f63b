"""Which resources a package holds (its selection rule) and its configuration table
(基层图书馆资源配置表: category, type, count, size, description), as in seed 002."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import Q, QuerySet, Sum
from django.utils.translation import gettext as _

from shuxiang.core.errors import FieldError, ValidationFailed
from shuxiang.distribution.models import Package
from shuxiang.network import scopes
from shuxiang.resources.models import Collection, Resource, ResourceFile
from shuxiang.resources.types import TYPES

# seed 002's 来源 column: the category each resource type is counted under
CATEGORIES = {
    "ebook": "图书",
    "classic": "图书",
    "journal_issue": "期刊",
    "newspaper_page": "报纸",
    "video": "视频",
    "audio": "音频",
    "image": "图片",
    "web_record": "网络资源",
}
MAX_QUERY = 200
MAX_PICKED = 100_000


def _ids(value: Any, name: str, errors: list[FieldError]) -> list[int]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or len(value) > MAX_PICKED:
        errors.append(FieldError(f"rule.{name}", _("Give a list of ids."), "invalid"))
        return []
    ids = []
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int) or not 0 < item < 2**63:
            errors.append(FieldError(f"rule.{name}", _("%(v)r is not an id.") % {"v": item}))
            return []
        ids.append(item)
    return sorted(set(ids))


def clean_rule(rule: Mapping[str, Any] | None, library) -> dict:
    """Validate a selection rule; every problem is named by its field."""
    rule = dict(rule or {})
    errors: list[FieldError] = []
    unknown = set(rule) - {"collections", "types", "query", "resources"}
    for name in sorted(unknown):
        errors.append(FieldError(f"rule.{name}", _("Unknown field."), "unknown_field"))
    types = rule.get("types") or []
    if not isinstance(types, list) or any(t not in TYPES for t in types):
        errors.append(FieldError("rule.types", _("Unknown resource type."), "invalid"))
        types = []
    query = rule.get("query") or ""
    if not isinstance(query, str) or len(query) > MAX_QUERY:
        errors.append(FieldError("rule.query", _("At most 200 characters."), "invalid"))
        query = ""
    cleaned = {
        "collections": _ids(rule.get("collections"), "collections", errors),
        "types": sorted(set(types)),
        "query": query.strip(),
        "resources": _ids(rule.get("resources"), "resources", errors),
    }
    known = Collection.objects.filter(scopes.in_subtree("library", [library]))
    missing = set(cleaned["collections"]) - set(
        known.filter(pk__in=cleaned["collections"]).values_list("pk", flat=True)
    )
    if missing:
        errors.append(
            FieldError(
                "rule.collections",
                _("Unknown collection %(ids)s.") % {"ids": sorted(missing)},
                "not_found",
            )
        )
    if errors:
        raise ValidationFailed(_("The selection is not valid."), errors)
    return cleaned


def resources_of(package: Package, rule: Mapping[str, Any] | None = None) -> QuerySet[Resource]:
    """Published resources of the package library's subtree that the rule selects."""
    rule = package.rule if rule is None else rule
    base = Resource.objects.filter(
        scopes.in_subtree("library", [package.library]), status=Resource.Status.PUBLISHED
    )
    criteria = Q()
    chosen = False
    if rule.get("collections"):
        criteria &= Q(collection_id__in=rule["collections"])
        chosen = True
    if rule.get("types"):
        criteria &= Q(type__in=rule["types"])
        chosen = True
    if rule.get("query"):
        words = rule["query"]
        criteria &= (
            Q(title__icontains=words)
            | Q(creator__icontains=words)
            | Q(description__icontains=words)
        )
        chosen = True
    picked = Q(pk__in=rule.get("resources") or [])
    where = (criteria | picked) if chosen else picked
    return base.filter(where).order_by("pk")


def config_rows(resources: Iterable[Resource], notes: Mapping[str, str]) -> list[dict]:
    """The configuration table of these resources: one row per (type, subtype)."""
    counts: dict[tuple[str, str], int] = defaultdict(int)
    ids: dict[tuple[str, str], list[int]] = defaultdict(list)
    for resource in resources:
        counts[(resource.type, resource.subtype)] += 1
        ids[(resource.type, resource.subtype)].append(resource.pk)
    rows = []
    order = list(TYPES)
    for number, (type_code, subtype) in enumerate(
        sorted(counts, key=lambda k: (order.index(k[0]) if k[0] in order else 99, k[1])), 1
    ):
        size = ResourceFile.objects.filter(resource_id__in=ids[(type_code, subtype)]).aggregate(
            total=Sum("size")
        )["total"]
        label = str(TYPES[type_code].label) if type_code in TYPES else type_code
        rows.append(
            {
                "number": number,
                "category": CATEGORIES.get(type_code, type_code),
                "type": type_code,
                "type_label": f"{label} · {subtype}" if subtype else label,
                "count": counts[(type_code, subtype)],
                "size": size or 0,
                "description": notes.get(f"{type_code}/{subtype}") or notes.get(type_code, ""),
            }
        )
    return rows
