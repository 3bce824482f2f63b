"""Reading the figures, always scoped to a library subtree the actor administers.

Every function takes the actor, checks the scope itself and answers from the rollups (never the
raw events), so a dashboard query costs an indexed range scan whatever the event volume.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Sum
from django.db.models.functions import ExtractIsoWeekDay
from django.utils.translation import gettext as _

from shuxiang.core import audit
from shuxiang.core.errors import FieldError, ValidationFailed
from shuxiang.network.models import Library
from shuxiang.network.scopes import require
from shuxiang.stats.models import (
    KINDS,
    DailyRollup,
    DailyTotal,
    HourlyRollup,
    MonthlyTotal,
    TrainingSession,
)
from shuxiang.stats.permissions import library_named, require_figures_of

MAX_DAYS = 3 * 366


def period(begin: date | str | None, end: date | str | None) -> tuple[date, date]:
    """Parse and check a reporting period (default: the last 365 days up to yesterday)."""
    errors = []
    parsed = {}
    for name, raw in (("begin", begin), ("end", end)):
        if raw in (None, ""):
            continue
        try:
            parsed[name] = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
        except ValueError:
            errors.append(FieldError(name, _("Use a date like 2026-01-31."), "invalid_date"))
    if errors:
        raise ValidationFailed(_("The period is not valid."), errors)
    last = parsed.get("end") or date.today() - timedelta(days=1)
    first = parsed.get("begin") or last - timedelta(days=364)
    if first > last:
        raise ValidationFailed.single("begin", _("The period must begin before it ends."))
    if (last - first).days > MAX_DAYS:
        raise ValidationFailed.single("begin", _("A period may span at most three years."))
    return first, last


def scoped(actor: object, code: str) -> Library:
    """The library ``code`` after checking ``actor`` may see its figures."""
    library = library_named(code)
    require_figures_of(actor, library)
    return library


def _subtree_rows(library: Library, first: date, last: date):
    return DailyRollup.objects.filter(
        scope=library.code, subtree=True, day__gte=first, day__lte=last
    )


def totals(actor: object, library: Library, first: date, last: date) -> dict:
    """Events and their breakdowns (kind, channel, resource type) in ``library``'s subtree."""
    require_figures_of(actor, library)
    rows = (
        _subtree_rows(library, first, last)
        .values_list("kind", "channel", "resource_type")
        .annotate(n=Sum("events"))
        .order_by()
    )
    by_kind: dict[str, int] = dict.fromkeys(KINDS, 0)
    by_channel: dict[str, int] = {}
    by_type: dict[str, int] = {}
    for kind, channel, resource_type, n in rows:
        by_kind[kind] = by_kind.get(kind, 0) + n
        by_channel[channel] = by_channel.get(channel, 0) + n
        by_type[resource_type] = by_type.get(resource_type, 0) + n
    return {
        "library": library,
        "begin": first,
        "end": last,
        "events": sum(by_kind.values()),
        "by_kind": by_kind,
        "by_channel": by_channel,
        "by_resource_type": by_type,
    }


def _split_months(
    first: date, last: date
) -> tuple[list[tuple[date, date]], date | None, date | None]:
    """Day ranges at the edges and the whole months between (first and last month start)."""
    month_start = (
        first if first.day == 1 else (first.replace(day=1) + timedelta(days=32)).replace(day=1)
    )
    after = last + timedelta(days=1)
    month_end = after.replace(day=1)  # first day of the month holding the day after ``last``
    if month_start >= month_end:
        return [(first, last)], None, None
    edges = []
    if first < month_start:
        edges.append((first, month_start - timedelta(days=1)))
    if month_end <= last:
        edges.append((month_end, last))
    return edges, month_start, month_end - timedelta(days=1)


def period_by_scope_and_kind(scopes: list[str], first: date, last: date) -> list[tuple]:
    """(scope, kind, events) over the period: whole months from the monthly totals, the days
    at either edge from the daily totals."""
    edges, month_from, month_to = _split_months(first, last)
    sums: dict[tuple[str, str], int] = {}
    parts = [DailyTotal.objects.filter(scope__in=scopes, day__gte=a, day__lte=b) for a, b in edges]
    if month_from is not None:
        parts.append(
            MonthlyTotal.objects.filter(
                scope__in=scopes, month__gte=month_from, month__lte=month_to
            )
        )
    for part in parts:
        for scope, kind, n in (
            part.values_list("scope", "kind").annotate(n=Sum("events")).order_by()
        ):
            sums[(scope, kind)] = sums.get((scope, kind), 0) + n
    return [(scope, kind, n) for (scope, kind), n in sums.items()]


def comparison(actor: object, library: Library, first: date, last: date) -> list[dict]:
    """Horizontal comparison: each library directly below ``library`` with its subtree totals."""
    require_figures_of(actor, library)
    children = list(Library.objects.filter(parent=library).order_by("code"))
    figures: dict[str, dict[str, int]] = {c.code: {} for c in children}
    for scope, kind, n in period_by_scope_and_kind(list(figures), first, last):
        figures[scope][kind] = n
    result = [
        {"library": c, "events": sum(figures[c.code].values()), "by_kind": figures[c.code]}
        for c in children
    ]
    return sorted(result, key=lambda item: -item["events"])


def trend(actor: object, library: Library, first: date, last: date) -> list[tuple[date, int]]:
    """Vertical trend: events per day in ``library``'s subtree (days without events are 0)."""
    require_figures_of(actor, library)
    totals = DailyTotal.objects.filter(scope=library.code, day__gte=first, day__lte=last)
    rows = dict(totals.values_list("day").annotate(n=Sum("events")).order_by())
    days = (last - first).days + 1
    return [(first + timedelta(d), rows.get(first + timedelta(d), 0)) for d in range(days)]


def heatmap(actor: object, library: Library, first: date, last: date) -> list[list[int]]:
    """Weekday (Monday first) × local hour matrix of events in ``library``'s subtree."""
    require_figures_of(actor, library)
    rows = (
        HourlyRollup.objects.filter(scope=library.code, day__gte=first, day__lte=last)
        .annotate(weekday=ExtractIsoWeekDay("day"))
        .values_list("weekday", "hour")
        .annotate(n=Sum("events"))
        .order_by()
    )
    matrix = [[0] * 24 for _ in range(7)]
    for weekday, hour, n in rows:
        matrix[weekday - 1][hour] = n
    return matrix


@transaction.atomic
def record_training(actor: object, library: Library, data: dict) -> TrainingSession:
    """Record a training session held by ``library`` (its administrators only)."""
    require(actor, library, _("record training sessions of"))
    errors = []
    title = str(data.get("title") or "").strip()
    if not title:
        errors.append(FieldError("title", _("Give the session a title."), "required"))
    held_on = None
    try:
        held_on = date.fromisoformat(str(data.get("held_on") or ""))
    except ValueError:
        errors.append(FieldError("held_on", _("Use a date like 2026-01-31."), "invalid_date"))
    mode = data.get("mode") or TrainingSession.Mode.ONSITE
    if mode not in TrainingSession.Mode.values:
        errors.append(FieldError("mode", _("Choose on site or online."), "invalid_choice"))
    try:
        attendees = int(data.get("attendees") or 0)
        if attendees < 0:
            raise ValueError
    except (TypeError, ValueError):
        attendees = 0
        errors.append(FieldError("attendees", _("Give a whole number, 0 or more."), "invalid"))
    if errors:
        raise ValidationFailed(_("The training session was not recorded."), errors)
    session = TrainingSession.objects.create(
        library=library, title=title[:200], held_on=held_on, mode=mode, attendees=attendees
    )
    audit.record(actor, "stats.record_training", session, library=library.code)
    return session
