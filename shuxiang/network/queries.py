"""Read-side queries over the library tree; each is a single indexed query."""

from __future__ import annotations

from django.db.models import Count, QuerySet

from shuxiang.network.models import PATH_SEPARATOR, IPRange, Library
from shuxiang.network.scopes import in_subtree
from shuxiang.network.validation import address_key


def subtree(library: Library, *, include_self: bool = True) -> QuerySet[Library]:
    """``library`` and every library below it, in tree order."""
    queryset = Library.objects.filter(in_subtree("", library))
    return queryset if include_self else queryset.exclude(pk=library.pk)


def ancestors(library: Library) -> QuerySet[Library]:
    """The libraries above ``library``, root first."""
    return Library.objects.filter(code__in=library.ancestor_codes).order_by("depth")


def descendants_at_level(library: Library, level: str) -> QuerySet[Library]:
    """Every library of ``level`` below ``library`` (e.g. all county libraries of a province)."""
    return Library.objects.filter(in_subtree("", library), level=level)


def province_of(library: Library) -> Library | None:
    """The provincial library whose subtree holds ``library`` (itself if provincial)."""
    return Library.objects.filter(
        code__in=[c for c in library.path.split(PATH_SEPARATOR) if c],
        level=Library.Level.PROVINCIAL,
    ).first()


def library_for_ip(address: str) -> Library | None:
    """The library whose most specific IP range holds ``address``, or None."""
    key = address_key(address)
    match = (
        IPRange.objects.select_related("library")
        .filter(first__lte=key, last__gte=key)
        .order_by("-first", "last")
        .first()
    )
    return match.library if match else None


def library_for_host(host: str) -> Library | None:
    """The library serving ``host`` (port ignored), or None."""
    name = host.split(":", 1)[0].lower().rstrip(".")
    return Library.objects.filter(domains__host=name).first()


def counts_by_province() -> list[dict]:
    """Per provincial library: how many active libraries of each level lie below it.

    One grouped query on the second path segment (the provincial library's code).
    """
    provinces = list(Library.objects.filter(level=Library.Level.PROVINCIAL).order_by("code"))
    rows = (
        Library.objects.filter(status=Library.Status.ACTIVE, depth__gte=2)
        .values("level", "path")
        .order_by()
    )
    by_code: dict[str, dict[str, int]] = {p.code: {} for p in provinces}
    for row in rows.iterator():
        segments = row["path"].split(PATH_SEPARATOR)
        province_code = segments[2] if len(segments) > 3 else None
        if province_code in by_code:
            levels = by_code[province_code]
            levels[row["level"]] = levels.get(row["level"], 0) + 1
    return [
        {"library": p, "counts": by_code[p.code], "total": sum(by_code[p.code].values())}
        for p in provinces
    ]


def level_totals() -> dict[str, int]:
    """Active libraries per level across the network."""
    rows = (
        Library.objects.filter(status=Library.Status.ACTIVE)
        .values("level")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["level"]: row["n"] for row in rows}
