"""Reader-behaviour reports of a library's subtree, with small groups suppressed (读者行为分析).

Reports read the cells the jobs stored for the library's scope; every table passes through
``suppression`` (k = ``SHUXIANG_ANALYTICS_MIN_CELL``) before it is shown: its cells, its
subtotals and its totals.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from statistics import median

from django.utils.translation import gettext as _

from shuxiang.analytics.demand import signals
from shuxiang.analytics.models import ReportCell
from shuxiang.analytics.suppression import suppress, suppress_column
from shuxiang.core import options
from shuxiang.network.models import Library
from shuxiang.network.scopes import in_subtree
from shuxiang.resources.models import Collection, Resource
from shuxiang.stats.permissions import require_figures_of

WEEKDAYS = 7
HOURS = 24
TOP_TERMS = 30


def min_cell() -> int:
    return max(1, int(options.value("ANALYTICS_MIN_CELL")))


def _cells(report: str, library: Library) -> list[tuple[str, str, int]]:
    rows = ReportCell.objects.filter(report=report, scope=library.code)
    return list(rows.values_list("key", "key2", "value"))


def weekday_hour(library: Library) -> dict:
    """Events per weekday (rows, Monday first) × local hour, with totals, suppressed."""
    cells = [[0] * HOURS for _ in range(WEEKDAYS)]
    for weekday, hour, value in _cells("weekday_hour", library):
        if weekday.isdigit() and hour.isdigit() and 1 <= int(weekday) <= 7 and int(hour) < 24:
            cells[int(weekday) - 1][int(hour)] = value
    grid = suppress(cells, min_cell())
    return {"rows": grid.rows(), "hidden": len(grid.hidden)}


def breakdown(report: str, library: Library, limit: int | None = None) -> dict:
    """A one-column report (channel, resource type, terms, items): rows and total, suppressed."""
    pairs = sorted(
        ((key, value) for key, _k2, value in _cells(report, library)),
        key=lambda pair: (-pair[1], pair[0]),
    )
    if limit is not None:
        pairs = pairs[:limit]
    shown, total = suppress_column([value for _key, value in pairs], min_cell())
    return {
        "rows": [(key, value) for (key, _v), value in zip(pairs, shown, strict=True)],
        "total": total,
    }


def cohorts(library: Library) -> dict:
    """Readers per cohort (month first active) × month active, suppressed."""
    raw = _cells("cohorts", library)
    months = sorted({key2 for _k, key2, _v in raw})
    names = sorted({key for key, _k2, _v in raw})
    where = {(key, key2): value for key, key2, value in raw}
    cells = [[where.get((c, m), 0) for m in months] for c in names]
    if not cells:
        return {"months": [], "rows": []}
    grid = suppress(cells, min_cell())
    shown = grid.rows()
    return {"months": months, "rows": list(zip(names + [_("Total")], shown, strict=True))}


def _uses(library: Library) -> dict[str, int]:
    return {key: value for key, _k2, value in _cells("utilisation", library)}


def utilisation(library: Library) -> dict:
    """Uses per collection of the subtree (suppressed) and the resources never used."""
    uses = _uses(library)
    published = Resource.objects.filter(in_subtree("library", library), status="published")
    per_collection: dict[int, int] = defaultdict(int)
    never = []
    for pk, collection_id, title in published.values_list("pk", "collection_id", "title"):
        n = uses.get(f"resource:{pk}", 0)
        per_collection[collection_id] += n
        if not n:
            never.append((pk, title))
    names = dict(Collection.objects.filter(pk__in=per_collection).values_list("pk", "name"))
    ordered = sorted(per_collection.items(), key=lambda pair: (-pair[1], pair[0]))
    shown, total = suppress_column([n for _pk, n in ordered], min_cell())
    rows = [(names.get(pk, pk), n) for (pk, _n), n in zip(ordered, shown, strict=True)]
    return {
        "collections": rows,
        "total": total,
        "top": _top_resources(uses, published),
        "never_used": never[:100],
        "never_used_count": len(never),
    }


def _top_resources(uses: dict[str, int], published, limit: int = 20) -> list[tuple]:
    """The most used resources of the subtree, their counts suppressed like any column."""
    titles = dict(published.values_list("pk", "title"))
    ranked = sorted(
        ((n, pk) for pk in titles if (n := uses.get(f"resource:{pk}", 0))), reverse=True
    )[:limit]
    shown, _total = suppress_column([n for n, _pk in ranked], min_cell())
    return [(pk, titles[pk], n) for (_n, pk), n in zip(ranked, shown, strict=True)]


def first_use(library: Library) -> dict:
    """Days from publication to first use of resources published in the subtree."""
    first = {
        key: key2
        for key, key2, _v in ReportCell.objects.filter(report="first_use", scope="").values_list(
            "key", "key2", "value"
        )
    }
    published = Resource.objects.filter(in_subtree("library", library), published_at__isnull=False)
    waits = []
    for pk, at in published.values_list("pk", "published_at"):
        day = first.get(f"resource:{pk}")
        if day:
            waits.append(max(0, (date.fromisoformat(day) - at.date()).days))
    return {"resources": len(waits), "median_days": median(waits) if waits else None}


def report(actor: object, library: Library) -> dict:
    """Every behaviour report of ``library``'s subtree for an administrator of it."""
    require_figures_of(actor, library)
    return {
        "library": library,
        "k": min_cell(),
        "heatmap": weekday_hour(library),
        "channels": breakdown("channel", library),
        "types": breakdown("resource_type", library),
        "terms": breakdown("zero_results", library, TOP_TERMS),
        "cohorts": cohorts(library),
        "utilisation": utilisation(library),
        "first_use": first_use(library),
        "demand": signals(actor, library, min_cell()),
    }
