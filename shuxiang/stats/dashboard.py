"""What a tier dashboard shows, as plain data for the template, the charts and the exports."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuxiang.network.models import Library
from shuxiang.network.queries import ancestors
from shuxiang.stats import indicators, services
from shuxiang.stats.models import KINDS

WEEKDAYS = (
    gettext_lazy("Mon"),
    gettext_lazy("Tue"),
    gettext_lazy("Wed"),
    gettext_lazy("Thu"),
    gettext_lazy("Fri"),
    gettext_lazy("Sat"),
    gettext_lazy("Sun"),
)


def kind_labels() -> dict[str, str]:
    return {
        "page_view": _("Page views"),
        "search": _("Searches"),
        "item_view": _("Item views"),
        "download": _("Downloads"),
        "play": _("Plays"),
        "login": _("Logins"),
        "registration": _("Registrations"),
        "no_license": _("Access denied (no licence)"),
        "limit_exceeded": _("Access denied (limit exceeded)"),
    }


def _monthly(trend: list[tuple[date, int]]) -> list[tuple[str, int]]:
    months: dict[str, int] = {}
    for day, n in trend:
        key = day.strftime("%Y-%m")
        months[key] = months.get(key, 0) + n
    return list(months.items())


def dashboard_data(actor: object, library: Library, first: date, last: date) -> dict:
    """Figures, tables and chart series for ``library``'s subtree over the period."""
    totals = services.totals(actor, library, first, last)
    comparison = services.comparison(actor, library, first, last)
    trend = services.trend(actor, library, first, last)
    heatmap = services.heatmap(actor, library, first, last)
    labels = kind_labels()
    weekday_names = [str(name) for name in WEEKDAYS]
    chart = {
        "comparison": {
            "names": [row["library"].name for row in comparison],
            "values": [row["events"] for row in comparison],
        },
        "trend": {"days": [d.isoformat() for d, _n in trend], "values": [n for _d, n in trend]},
        "heatmap": {
            "weekdays": weekday_names,
            "cells": [[h, w, heatmap[w][h]] for w in range(7) for h in range(24)],
            "max": max((max(row) for row in heatmap), default=0),
        },
        "labels": {"events": _("Events")},
    }
    return {
        "library": library,
        "ancestors": [a for a in ancestors(library) if services_visible(actor, a)],
        "begin": first,
        "end": last,
        "totals": totals,
        "kinds": [(labels[k], totals["by_kind"][k]) for k in KINDS],
        "comparison": comparison,
        "months": _monthly(trend),
        "heatmap": list(zip(weekday_names, heatmap, strict=True)),
        "hours": range(24),
        "chart": chart,
        "headline": indicators.headline(actor, library, last.year),
    }


def services_visible(actor: object, library: Library) -> bool:
    from shuxiang.network.scopes import covers

    return covers(actor, library)


def export_sheets(actor: object, library: Library, first: date, last: date) -> list[tuple]:
    """(title, header, rows) per table: comparison, daily trend, weekday × hour."""
    labels = kind_labels()
    comparison = services.comparison(actor, library, first, last)
    header = [_("Code"), _("Library"), _("Events"), *[labels[k] for k in KINDS]]
    rows = [
        [row["library"].code, row["library"].name, row["events"]]
        + [row["by_kind"].get(k, 0) for k in KINDS]
        for row in comparison
    ]
    trend = services.trend(actor, library, first, last)
    heatmap = services.heatmap(actor, library, first, last)
    return [
        (_("Comparison"), header, rows),
        (_("Trend"), [_("Day"), _("Events")], [[d.isoformat(), n] for d, n in trend]),
        (
            _("Weekday x hour"),
            [_("Weekday"), *[f"{h:02d}" for h in range(24)]],
            [[str(WEEKDAYS[w]), *heatmap[w]] for w in range(7)],
        ),
    ]
