"""Figures that cross nodes (统计上报): a node's own daily figures out, a child's figures in.

A day's export holds each library's *own* figures (never a subtree sum, never a pseudonym):
daily rows (library, resource type, channel, kind, events, readers) and hourly rows (library,
hour, events). Own hourly figures are the library's subtree hours minus its children's, so
they add up again exactly wherever the receiving node places the library in its tree.

The receiving node keeps each source's days as sent (``RemoteDay``/``RemoteDaily``/
``RemoteHourly``), replacing a whole day when its digest changes — a re-sent day is a no-op,
a late correction replaces the earlier figures. Its rollups then add the remote own figures to
the library and to every scope above it (see ``shuxiang.stats.rollup``), so a tier's total is
always the sum of its children's own figures, local or remote.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from shuxiang.core.errors import FieldError
from shuxiang.core.http import ascii_int
from shuxiang.network.models import Library
from shuxiang.stats.backends.base import fingerprint
from shuxiang.stats.models import (
    CHANNELS,
    KINDS,
    DailyRollup,
    HourlyRollup,
    RemoteDaily,
    RemoteDay,
    RemoteHourly,
    RollupDay,
)

MAX_ROWS_PER_DAY = 200_000


@dataclass
class DayFigures:
    """One day's own figures of some libraries, in the wire form (lists, sorted)."""

    day: date
    daily: list[list] = field(default_factory=list)
    hourly: list[list] = field(default_factory=list)

    def digest(self) -> str:
        body = json.dumps([self.daily, self.hourly], separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(body.encode()).hexdigest()

    def as_wire(self) -> dict:
        return {"day": self.day.isoformat(), "daily": self.daily, "hourly": self.hourly}

    @property
    def rows(self) -> int:
        return len(self.daily) + len(self.hourly)


# --- the sending side -------------------------------------------------------------------


def rolled_days(since=None) -> list[date]:
    """Days whose rollups exist (re-aggregated after ``since`` when given)."""
    days = RollupDay.objects.all()
    if since is not None:
        days = days.filter(rolled_at__gt=since)
    return sorted(days.values_list("day", flat=True))


def _own_hourly(day_rows: dict[tuple[str, int], int], children: dict[str, list[str]]) -> list:
    own = []
    for (code, hour), events in day_rows.items():
        below = sum(day_rows.get((child, hour), 0) for child in children.get(code, ()))
        if events - below:
            own.append([code, hour, events - below])
    return own


def own_figures(days: list[date], libraries: set[str] | None = None) -> dict[date, DayFigures]:
    """Each day's own figures of ``libraries`` (all when None); days without any are empty."""
    result = {day: DayFigures(day) for day in days}
    daily = DailyRollup.objects.filter(subtree=False, day__in=days).values_list(
        "day", "scope", "resource_type", "channel", "kind", "events", "readers"
    )
    for day, code, *rest in daily.order_by().iterator():
        if libraries is None or code in libraries:
            result[day].daily.append([code, *rest])
    children: dict[str, list[str]] = defaultdict(list)
    for code, parent in Library.objects.values_list("code", "parent__code"):
        if parent:
            children[parent].append(code)
    hourly: dict[date, dict[tuple[str, int], int]] = defaultdict(dict)
    rows = HourlyRollup.objects.filter(day__in=days).values_list("day", "scope", "hour", "events")
    for day, code, hour, events in rows.order_by().iterator():
        hourly[day][(code, hour)] = hourly[day].get((code, hour), 0) + events
    for day, day_rows in hourly.items():
        own = _own_hourly(day_rows, children)
        result[day].hourly = [r for r in own if libraries is None or r[0] in libraries]
    for figures in result.values():
        figures.daily.sort()
        figures.hourly.sort()
    return result


# --- the receiving side -----------------------------------------------------------------


def _count(value: object, name: str, errors: list) -> int:
    number = ascii_int(value) if isinstance(value, str) else value
    if isinstance(number, bool) or not isinstance(number, int) or not 0 <= number < 2**62:
        errors.append(FieldError(name, _("Give a whole number, 0 or more."), "invalid"))
        return 0
    return number


def _text(value: object, name: str, limit: int, errors: list, choices=None) -> str:
    if not isinstance(value, str) or len(value) > limit or (choices and value not in choices):
        reason = _("Choose a known value.") if choices else _("Give a short text.")
        errors.append(FieldError(name, reason, "invalid"))
        return ""
    return value


def _daily_row(row: object, name: str, libraries: set[str], errors: list) -> tuple | None:
    if not isinstance(row, list) or len(row) != 6:
        errors.append(FieldError(name, _("A daily row has six values."), "invalid"))
        return None
    code = _text(row[0], f"{name}.library", 32, errors, libraries)
    resource_type = _text(row[1], f"{name}.resource_type", 40, errors)
    channel = _text(row[2], f"{name}.channel", 10, errors, CHANNELS)
    kind = _text(row[3], f"{name}.kind", 20, errors, KINDS)
    events = _count(row[4], f"{name}.events", errors)
    return code, resource_type, channel, kind, events, _count(row[5], f"{name}.readers", errors)


def _hourly_row(row: object, name: str, libraries: set[str], errors: list) -> tuple | None:
    if not isinstance(row, list) or len(row) != 3:
        errors.append(FieldError(name, _("An hourly row has three values."), "invalid"))
        return None
    code = _text(row[0], f"{name}.library", 32, errors, libraries)
    hour = _count(row[1], f"{name}.hour", errors)
    if hour > 23:
        errors.append(FieldError(f"{name}.hour", _("An hour is 0 to 23."), "range"))
    return code, hour, _count(row[2], f"{name}.events", errors)


def parse_day(item: object, name: str, libraries: set[str], errors: list) -> DayFigures | None:
    """Check one day of the wire form; ``libraries`` are the codes the sender may report."""
    if not isinstance(item, dict):
        errors.append(FieldError(name, _("A day is an object."), "invalid"))
        return None
    try:
        day = date.fromisoformat(str(item.get("day")))
    except ValueError:
        errors.append(FieldError(f"{name}.day", _("Use a date like 2026-01-31."), "invalid_date"))
        return None
    daily, hourly = item.get("daily", []), item.get("hourly", [])
    if not isinstance(daily, list) or not isinstance(hourly, list):
        errors.append(FieldError(name, _("daily and hourly are lists."), "invalid"))
        return None
    if len(daily) + len(hourly) > MAX_ROWS_PER_DAY:
        errors.append(FieldError(name, _("Too many rows for one day."), "too_large"))
        return None
    before = len(errors)
    rows = [_daily_row(r, f"{name}.daily[{i}]", libraries, errors) for i, r in enumerate(daily)]
    hours = [_hourly_row(r, f"{name}.hourly[{i}]", libraries, errors) for i, r in enumerate(hourly)]
    if len(errors) > before:
        return None
    return DayFigures(day, sorted(list(r) for r in rows), sorted(list(h) for h in hours))


@transaction.atomic
def store_days(source: str, days: list[DayFigures]) -> list[date]:
    """Replace ``source``'s figures of each day whose digest changed; the changed days."""
    changed = []
    stored = dict(
        RemoteDay.objects.select_for_update()
        .filter(source=source, day__in=[d.day for d in days])
        .values_list("day", "digest")
    )
    for figures in days:
        digest = figures.digest()
        if stored.get(figures.day) == digest:
            continue
        RemoteDaily.objects.filter(source=source, day=figures.day).delete()
        RemoteHourly.objects.filter(source=source, day=figures.day).delete()
        RemoteDaily.objects.bulk_create(
            RemoteDaily(source=source, day=figures.day, library=r[0], resource_type=r[1],
                        channel=r[2], kind=r[3], events=r[4], readers=r[5])
            for r in figures.daily
        )  # fmt: skip
        RemoteHourly.objects.bulk_create(
            RemoteHourly(source=source, day=figures.day, library=h[0], hour=h[1], events=h[2])
            for h in figures.hourly
        )
        RemoteDay.objects.update_or_create(
            source=source, day=figures.day, defaults={"digest": digest}
        )
        changed.append(figures.day)
    return changed


def received_digests(source: str) -> dict[date, str]:
    return dict(RemoteDay.objects.filter(source=source).values_list("day", "digest"))


# --- what the rollups add ---------------------------------------------------------------


def remote_fingerprints() -> dict[date, str]:
    """Per day, a digest of every source's received figures (changes when any of them does)."""
    parts: dict[date, list[str]] = defaultdict(list)
    for source, day, digest in RemoteDay.objects.values_list("source", "day", "digest"):
        parts[day].append(f"{source}={digest}")
    return {day: fingerprint(items) for day, items in parts.items()}


def remote_daily_rows(days: list[date], scopes_of: dict[str, list[str]]) -> list[tuple]:
    """Remote own figures as rollup rows: own (subtree False) plus every scope holding it."""
    rows = []
    values = RemoteDaily.objects.filter(day__in=days).values_list(
        "day", "library", "resource_type", "channel", "kind", "events", "readers"
    )
    for day, code, resource_type, channel, kind, events, readers in values.iterator():
        rest = (resource_type, channel, kind, events, readers)
        rows.append((day, code, False, *rest))
        rows.extend((day, scope, True, *rest) for scope in scopes_of.get(code, ()))
    return rows


def remote_hourly_rows(days: list[date], scopes_of: dict[str, list[str]]) -> list[tuple]:
    values = RemoteHourly.objects.filter(day__in=days).values_list(
        "day", "hour", "library", "events"
    )
    rows = []
    for day, hour, code, events in values.iterator():
        rows.extend((day, hour, scope, events) for scope in scopes_of.get(code, ()))
    return rows
