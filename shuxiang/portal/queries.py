"""Read side of the portal: what a site shows now (its own and distributed shelves)."""

from __future__ import annotations

from functools import cached_property

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


def shelves_version(site: Library) -> str:
    """What ``site``'s shelves depend on besides the clock: it changes with every curation
    edit and every event that changes public pages (the page generation, shared by every
    worker, unlike a local cache). Cached shelves and their rendered fragment are keyed by it."""
    return f"{site.pk}:{cache.get(VERSION_KEY, 0)}:{pagecache.generation()}"


class HomeShelves:
    """A site's home-page columns and topics, read only when a page renders them (a page whose
    shelves fragment is cached does not)."""

    def __init__(self, site: Library, version: str):
        self.site, self.version = site, version

    @cached_property
    def _both(self) -> tuple[list[Column], list[Topic]]:
        return home_shelves(self.site, self.version)

    @property
    def columns(self) -> list[Column]:
        return self._both[0]

    @property
    def topics(self) -> list[Topic]:
        return self._both[1]


def home_shelves(site: Library, version: str = "") -> tuple[list[Column], list[Topic]]:
    """Columns and topics for ``site``'s home page, cached briefly (schedules are minute-grained;
    any curation change invalidates at once)."""
    key = f"portal:home:{version or shelves_version(site)}"
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
