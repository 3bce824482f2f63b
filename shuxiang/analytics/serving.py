"""Recommendations as pages show them (推荐): read from the precomputed tables, never computed.

Every suggestion is a resource the viewer can open now (the resources app's access check is
applied to each candidate), with the reason it is shown. A reader who opted out gets no
personal suggestions; everyone else falls back to what is popular.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.cache import cache
from django.db.models import Exists
from django.utils.translation import gettext as _

from shuxiang.analytics.models import (
    PopularItem,
    ReaderRecommendation,
    RecommendationOptOut,
    RelatedItem,
)
from shuxiang.network.models import Library
from shuxiang.resources.models import Resource
from shuxiang.resources.permissions import read_denial
from shuxiang.stats.events import pseudonym

PREFIX = "resource:"
CANDIDATES = 40
POPULAR_SECONDS = 300  # popular lists change nightly; a process may show one 5 minutes old


@dataclass(frozen=True)
class Suggestion:
    resource: Resource
    reason: str


def _pk(item_id: str) -> int | None:
    if item_id.startswith(PREFIX) and item_id[len(PREFIX) :].isascii():
        tail = item_id[len(PREFIX) :]
        return int(tail) if tail.isdigit() and len(tail) < 18 else None
    return None


def openable(actor, ip: str | None, item_ids: list[str]) -> dict[str, Resource]:
    """The resources behind ``item_ids`` that ``actor`` (from ``ip``) may open."""
    keys = {item: _pk(item) for item in item_ids}
    found = Resource.objects.select_related("library").in_bulk([k for k in keys.values() if k])
    return {
        item: found[pk]
        for item, pk in keys.items()
        if pk in found and read_denial(actor, found[pk], ip) is None
    }


def _title(resource: Resource | None, item_id: str) -> str:
    return resource.title if resource else item_id


def related(actor, ip: str | None, resource: Resource, n: int = 6) -> list[Suggestion]:
    """Items co-viewed in sessions (BibTip) first, then what readers of it also read."""
    return related_to(actor, ip, f"{PREFIX}{resource.pk}", n)


def related_to(actor, ip: str | None, item_id: str, n: int = 6) -> list[Suggestion]:
    """``related`` for an item id as the usage events name it (``resource:<pk>``, also the
    portal reader's item key); an item without related rows has none."""
    rows = RelatedItem.objects.filter(item_id=item_id)
    rows = rows.order_by("-kind", "-score")  # sessions (BibTip) first, then readers
    rows = list(rows.values_list("related_id", "kind")[:CANDIDATES])
    allowed = openable(actor, ip, [item for item, _kind in rows])
    reasons = {
        RelatedItem.Kind.SESSION: _("Often viewed in the same visit as this one"),
        RelatedItem.Kind.READERS: _("Readers of this one also read it"),
    }
    chosen, seen = [], set()
    for item, kind in rows:
        if item in allowed and item not in seen:
            seen.add(item)
            chosen.append(Suggestion(allowed[item], reasons[kind]))
    return chosen[:n]


def for_reader(actor, ip: str | None, n: int = 6) -> list[Suggestion]:
    """Personal suggestions of a signed-in reader who has not opted out, each explained."""
    if not getattr(actor, "is_authenticated", False):
        return []
    opted_out = Exists(RecommendationOptOut.objects.filter(user_id=actor.pk))
    rows = ReaderRecommendation.objects.filter(~opted_out, reader=pseudonym(actor))
    rows = rows.order_by("-score")  # one query: nothing at all for a reader who opted out
    rows = list(rows.values_list("item_id", "because_id")[:CANDIDATES])
    allowed = openable(actor, ip, [item for item, _b in rows])
    because = Resource.objects.in_bulk([k for _i, b in rows if (k := _pk(b))])
    chosen = []
    for item, because_id in rows:
        if item in allowed:
            title = _title(because.get(_pk(because_id)), because_id)
            reason = _("Because you read 《%(title)s》") % {"title": title}
            chosen.append(Suggestion(allowed[item], reason))
    return chosen[:n]


def popular(actor, ip: str | None, library: Library | None = None, n: int = 6) -> list[Suggestion]:
    """The most used items in ``library``'s subtree (the national root when None)."""
    scope = (library.code, library.name) if library else _root()
    if scope is None:
        return []
    items = _popular_items(scope[0])
    allowed = openable(actor, ip, items)
    reason = _("Popular in %(library)s") % {"library": scope[1]}
    return [Suggestion(allowed[item], reason) for item in items if item in allowed][:n]


def _root() -> tuple[str, str] | None:
    """The national root's code and name (kept a while: it does not change)."""
    found = cache.get("analytics:root")
    if found is None:
        root = Library.objects.filter(depth=0).order_by("path").values_list("code", "name")
        found = root.first() or ()
        cache.set("analytics:root", found, POPULAR_SECONDS)
    return tuple(found) or None


def _popular_items(scope: str) -> list[str]:
    """The candidate item ids popular in ``scope``, kept ``POPULAR_SECONDS`` (per version)."""
    key = f"analytics:popular:{cache.get('analytics:popular:version', 0)}:{scope}"
    items = cache.get(key)
    if items is None:
        rows = PopularItem.objects.filter(scope=scope).order_by("-uses", "item_id")
        items = list(rows.values_list("item_id", flat=True)[:CANDIDATES])
        cache.set(key, items, POPULAR_SECONDS)
    return items


def forget_popular() -> None:
    """New popularity rows committed: the next pages read them (this process at once)."""
    try:
        cache.incr("analytics:popular:version")
    except ValueError:
        cache.set("analytics:popular:version", 1, None)


def for_home(actor, ip: str | None, library: Library | None = None, n: int = 6) -> list[Suggestion]:
    """Personal suggestions, topped up with popular ones."""
    chosen = for_reader(actor, ip, n)
    have = {s.resource.pk for s in chosen}
    for suggestion in popular(actor, ip, library, n * 2):
        if len(chosen) >= n:
            break
        if suggestion.resource.pk not in have:
            chosen.append(suggestion)
    return chosen
