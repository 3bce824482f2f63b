"""Read side of the portal: what a site shows now (its own and distributed shelves)."""

from __future__ import annotations

from django.core.cache import cache
from django.db import transaction
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from shuxiang.core import pagecache
from shuxiang.network.models import Library
from shuxiang.portal.models import Column, Entry, Shelf, Topic, live_filter

VERSION_KEY = "portal:curation-version"
HOME_CACHE_SECONDS = 30


def curation_changed() -> None:
    """Invalidate cached home pages now and again at commit (the services call this)."""
    _bump()
    transaction.on_commit(_bump)
    pagecache.changed()


def _bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:
        cache.set(VERSION_KEY, 1, None)


def home_shelves(site: Library) -> tuple[list[Column], list[Topic]]:
    """Columns and topics for ``site``'s home page, cached briefly (schedules are minute-grained;
    any curation change invalidates at once)."""
    generation = pagecache.generation()  # shared by every worker, unlike a local cache
    key = f"portal:home:{site.pk}:{cache.get(VERSION_KEY, 0)}:{generation}"
    found = cache.get(key)
    if found is None:
        found = (site_columns(site), site_topics(site))
        cache.set(key, found, HOME_CACHE_SECONDS)
    return found


def _visible_on(model: type[Shelf], site: Library, at) -> QuerySet:
    """Live shelves of ``site`` plus live distributed shelves of the libraries above it."""
    scope = Q(library=site) | Q(library__code__in=site.ancestor_codes, distributed=True)
    live_entries = Entry.objects.filter(live_filter(at)).order_by("position", "id")
    return (
        model.objects.filter(scope & live_filter(at))
        .select_related("library")
        .prefetch_related(Prefetch("entries", queryset=live_entries, to_attr="live_entries"))
        .order_by("library__depth", "position", "id")
    )


def _own_first(shelves: list[Shelf], site: Library) -> list[Shelf]:
    """The site's own shelves in their order, then those distributed from above (center first)."""
    own = [s for s in shelves if s.library_id == site.pk]
    return own + [s for s in shelves if s.library_id != site.pk]


def site_columns(site: Library, at=None) -> list[Column]:
    """Columns shown on ``site``'s home page now, each with ``live_entries``."""
    at = at or timezone.now()
    return _own_first(list(_visible_on(Column, site, at)), site)


def site_topics(site: Library, at=None) -> list[Topic]:
    """Topics shown on ``site`` now, each with ``live_entries``."""
    at = at or timezone.now()
    return _own_first(list(_visible_on(Topic, site, at)), site)


def topic_on_site(site: Library, pk: int, at=None) -> Topic | None:
    """A topic ``site`` shows now (its own or distributed to it), or None."""
    at = at or timezone.now()
    return _visible_on(Topic, site, at).filter(pk=pk).first()


def curated_by(site: Library, model: type[Shelf]) -> QuerySet:
    """Every column (or topic) of ``site``, live or not, with all entries, for its curators."""
    return (
        model.objects.filter(library=site)
        .prefetch_related(Prefetch("entries", queryset=Entry.objects.order_by("position", "id")))
        .order_by("position", "id")
    )
