"""Indicators: the headline figures of the seeds, computed from data, and the weighted
annual assessment of a library against its peers (libraries of the same level).

Each indicator is a function of (library subtree, year). Its weight lives in
``IndicatorWeight`` (national administrators edit it); a library's score is the weighted mean
of its values scaled by the best peer's value, so 100 means best on every indicator.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from shuxiang.core import audit
from shuxiang.core.errors import FieldError, PermissionDenied, ValidationFailed
from shuxiang.network.models import Library
from shuxiang.network.scopes import in_subtree
from shuxiang.stats.models import (
    CheckResult,
    Heartbeat,
    IndicatorWeight,
    MonitoredPlatform,
    TrainingSession,
)
from shuxiang.stats.permissions import is_national_admin, require_figures_of

CLICK_KINDS = ("page_view", "search", "item_view", "download", "play")
TB = 10**12
FIRST_YEAR, LAST_YEAR = 1970, 9998  # a year's bounds in local time stay within datetime's range


def _check_year(year: int) -> None:
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValidationFailed.single(
            "year", _("Use a year from %(a)s to %(b)s.") % {"a": FIRST_YEAR, "b": LAST_YEAR}
        )


def _year(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def real_name_users(library: Library, year: int) -> float:
    """Active reader accounts registered at a library of the subtree."""
    users = get_user_model().objects.filter(in_subtree("home_library", library), is_active=True)
    return users.count()


def _year_events(library: Library, year: int, kinds: tuple[str, ...]) -> int:
    from shuxiang.stats.services import period_by_scope_and_kind

    first, last = _year(year)
    rows = period_by_scope_and_kind([library.code], first, last)
    return sum(n for _scope, kind, n in rows if kind in kinds)


def annual_clicks(library: Library, year: int) -> float:
    return _year_events(library, year, CLICK_KINDS)


def downloads_and_plays(library: Library, year: int) -> float:
    return _year_events(library, year, ("download", "play"))


def resources_tb(library: Library, year: int) -> float:
    """Storage reported by the subtree's nodes in their latest heartbeats, in TB."""
    used = Heartbeat.objects.filter(in_subtree("library", library)).aggregate(
        n=Sum("storage_bytes")
    )["n"]
    return round((used or 0) / TB, 3)


def interconnected_platforms(library: Library, year: int) -> float:
    return MonitoredPlatform.objects.filter(in_subtree("library", library), active=True).count()


def connected_libraries(library: Library, year: int) -> float:
    return Library.objects.filter(in_subtree("", library), status=Library.Status.ACTIVE).count()


def trainings(library: Library, year: int) -> float:
    return TrainingSession.objects.filter(
        in_subtree("library", library), held_on__year=year
    ).count()


def availability(library: Library, year: int) -> float:
    """Share (percent) of successful availability checks of the subtree's platforms."""
    checks = CheckResult.objects.filter(
        in_subtree("platform__library", library), at__year=year
    ).aggregate(total=Count("id"), ok=Count("id", filter=Q(ok=True)))
    if not checks["total"]:
        return 0
    return round(100 * checks["ok"] / checks["total"], 2)


@dataclass(frozen=True)
class Indicator:
    code: str
    label: str
    unit: str
    compute: Callable[[Library, int], float]
    default_weight: int


INDICATORS = [
    Indicator("real_name_users", gettext_lazy("Real-name users"), "", real_name_users, 20),
    Indicator("annual_clicks", gettext_lazy("Annual clicks"), "", annual_clicks, 25),
    Indicator("downloads", gettext_lazy("Downloads and plays"), "", downloads_and_plays, 15),
    Indicator("resources_tb", gettext_lazy("Digital resources"), "TB", resources_tb, 15),
    Indicator(
        "platforms", gettext_lazy("Interconnected platforms"), "", interconnected_platforms, 5
    ),
    Indicator("libraries", gettext_lazy("Connected libraries"), "", connected_libraries, 5),
    Indicator("trainings", gettext_lazy("Training sessions"), "", trainings, 10),
    Indicator("availability", gettext_lazy("Platform availability"), "%", availability, 5),
]
BY_CODE = {indicator.code: indicator for indicator in INDICATORS}


def weights() -> dict[str, Decimal]:
    stored = dict(IndicatorWeight.objects.values_list("code", "weight"))
    return {i.code: stored.get(i.code, Decimal(i.default_weight)) for i in INDICATORS}


def headline(actor: object, library: Library, year: int) -> list[dict]:
    """The seeds' headline figures for ``library``'s subtree in ``year``."""
    require_figures_of(actor, library)
    _check_year(year)
    return [
        {"code": i.code, "label": i.label, "unit": i.unit, "value": i.compute(library, year)}
        for i in INDICATORS
    ]


@transaction.atomic
def set_weights(actor: object, data: dict[str, object]) -> dict[str, Decimal]:
    """Store indicator weights (national administrators only); every value 0–100."""
    if not is_national_admin(actor):
        raise PermissionDenied(_("Only national administrators may change indicator weights."))
    errors, parsed = [], {}
    for code, raw in data.items():
        if code not in BY_CODE:
            errors.append(FieldError(code, _("There is no indicator with this code."), "unknown"))
            continue
        try:
            value = Decimal(str(raw))
        except ArithmeticError:
            value = Decimal(-1)
        if not value.is_finite() or not Decimal(0) <= value <= Decimal(100):
            errors.append(FieldError(code, _("A weight is a number from 0 to 100."), "range"))
        parsed[code] = value
    if errors:
        raise ValidationFailed(_("The weights were not saved."), errors)
    merged = {**weights(), **parsed}
    if sum(merged.values()) <= 0:
        raise ValidationFailed.single("weights", _("At least one weight must be above zero."))
    for code, value in parsed.items():
        IndicatorWeight.objects.update_or_create(code=code, defaults={"weight": value})
    audit.record(
        actor,
        "stats.set_weights",
        IndicatorWeight.objects.first(),
        **{k: str(v) for k, v in parsed.items()},
    )
    return merged


def assessment(actor: object, library: Library, year: int) -> dict:
    """The annual assessment of ``library`` against every library of its level."""
    require_figures_of(actor, library)
    _check_year(year)
    peers = list(Library.objects.filter(level=library.level, status=Library.Status.ACTIVE))
    if library not in peers:
        peers.append(library)
    table = {p.pk: {i.code: float(i.compute(p, year)) for i in INDICATORS} for p in peers}
    best = {i.code: max(values[i.code] for values in table.values()) for i in INDICATORS}
    weight = weights()
    total = float(sum(weight.values())) or 1.0

    def contribution(values: dict, code: str) -> float:
        scaled = 100 * values[code] / best[code] if best[code] else 0.0
        return float(weight[code]) * scaled / total

    rows = []
    for indicator in INDICATORS:
        value = table[library.pk][indicator.code]
        rows.append(
            {
                "indicator": indicator,
                "value": value,
                "best": best[indicator.code],
                "scaled": round(100 * value / best[indicator.code], 1)
                if best[indicator.code]
                else 0.0,
                "weight": weight[indicator.code],
                "contribution": round(contribution(table[library.pk], indicator.code), 2),
            }
        )
    scores = {pk: sum(contribution(values, c) for c in best) for pk, values in table.items()}
    rank = 1 + sum(1 for pk, value in scores.items() if value > scores[library.pk] + 1e-9)
    return {
        "library": library,
        "year": year,
        "rows": rows,
        "score": round(scores[library.pk], 1),
        "rank": rank,
        "peers": len(peers),
    }
