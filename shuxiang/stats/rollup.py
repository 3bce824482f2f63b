"""Daily rollups of raw events, up the library tree, re-run safely.

Each day's raw events carry a fingerprint (see the backends). A run re-aggregates exactly the
days whose fingerprint differs from the one stored with their rollups — new days, and days that
received late events — replacing those days' rows in one transaction per chunk of days. A run
with nothing new changes nothing; running it twice gives the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import PermissionDenied
from shuxiang.network.models import PATH_SEPARATOR, Library
from shuxiang.network.scopes import unrestricted
from shuxiang.stats import remote
from shuxiang.stats.backends import get_backend
from shuxiang.stats.backends.base import fingerprint
from shuxiang.stats.models import (
    DailyRollup,
    DailyTotal,
    HourlyRollup,
    MonthlyTotal,
    RollupDay,
)

CHUNK_DAYS = 64
INSERT_BATCH = 20_000


@dataclass
class RollupReport:
    days: list[date] = field(default_factory=list)
    daily_rows: int = 0
    hourly_rows: int = 0

    def summary(self) -> str:
        return f"{len(self.days)} days re-aggregated, {self.daily_rows} daily rows"


def scope_pairs() -> list[tuple[str, str]]:
    """(library code, code of every library whose subtree holds it, itself included)."""
    pairs = []
    for code, path in Library.objects.values_list("code", "path").iterator():
        for scope in (c for c in path.split(PATH_SEPARATOR) if c):
            pairs.append((code, scope))
    return pairs


def day_fingerprints() -> dict[date, str]:
    """Per day, the digest of its raw events and of the figures received from child nodes."""
    current = get_backend().day_fingerprints()
    for day, received in remote.remote_fingerprints().items():
        current[day] = fingerprint([f"local={current.get(day, '')}", f"remote={received}"])
    return current


def stale_days() -> dict[date, str]:
    """Days whose raw events or received figures differ from what the rollups reflect."""
    current = day_fingerprints()
    stored = dict(RollupDay.objects.values_list("day", "fingerprint"))
    return {day: fp for day, fp in current.items() if stored.get(day) != fp}


def run_rollup(*, by: object = SYSTEM, force: bool = False) -> RollupReport:
    """Re-aggregate every stale day (every day with ``force``); return what was done."""
    if not unrestricted(by):
        raise PermissionDenied("Only the node itself or a superuser may run aggregation.")
    get_backend().compact(before=timezone.localdate() - timedelta(days=1))
    days = day_fingerprints() if force else stale_days()
    pairs = scope_pairs()
    report = RollupReport()
    ordered = sorted(days)
    for start in range(0, len(ordered), CHUNK_DAYS):
        chunk = ordered[start : start + CHUNK_DAYS]
        daily, hourly = _aggregate_chunk({day: days[day] for day in chunk}, pairs)
        report.days.extend(chunk)
        report.daily_rows += daily
        report.hourly_rows += hourly
    return report


DAILY_COLUMNS = ("day", "scope", "subtree", "resource_type", "channel", "kind", "events")
DAILY_COLUMNS = (*DAILY_COLUMNS, "readers")
HOURLY_COLUMNS = ("day", "hour", "scope", "events")
TOTAL_COLUMNS = ("day", "scope", "kind", "events")


def _subtree_totals(daily: list[tuple]) -> list[tuple]:
    """(day, scope, kind, events) summed over resource types and channels."""
    sums: dict[tuple, int] = {}
    for day, scope, subtree, _type, _channel, kind, events, _readers in daily:
        if subtree:
            key = (day, scope, kind)
            sums[key] = sums.get(key, 0) + events
    return [(*key, n) for key, n in sums.items()]


def _insert(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Bulk insert plain tuples (COPY on PostgreSQL, executemany elsewhere)."""
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        rows = [(row[0].isoformat(), *row[1:]) for row in rows]  # dates as SQLite stores them
        marks = ", ".join(["%s"] * len(columns))
        for start in range(0, len(rows), INSERT_BATCH):
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks})",
                rows[start : start + INSERT_BATCH],
            )


def _refresh_months(months: set[date]) -> None:
    """Recompute the monthly totals of ``months`` from the daily totals."""
    for month in sorted(months):
        following = (month + timedelta(days=32)).replace(day=1)
        rows = (
            DailyTotal.objects.filter(day__gte=month, day__lt=following)
            .values_list("scope", "kind")
            .annotate(n=Sum("events"))
            .order_by()
        )
        MonthlyTotal.objects.filter(month=month).delete()
        _insert(MonthlyTotal, ("month", "scope", "kind", "events"), [(month, *r) for r in rows])


def _merged(rows: list[tuple], extra: list[tuple], width: int) -> list[tuple]:
    """``rows`` plus ``extra``, summing the trailing counts of rows with the same key."""
    if not extra:
        return rows
    sums: dict[tuple, list[int]] = {}
    for row in (*rows, *extra):
        key, counts = row[:width], row[width:]
        if key in sums:
            sums[key] = [a + b for a, b in zip(sums[key], counts, strict=True)]
        else:
            sums[key] = list(counts)
    return [(*key, *counts) for key, counts in sums.items()]


def _lock() -> None:
    """One aggregation at a time (a push may land while the periodic rollup runs)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(7406521)")


@transaction.atomic
def _aggregate_chunk(fingerprints: dict[date, str], pairs: list[tuple[str, str]]) -> tuple:
    _lock()
    days = list(fingerprints)
    backend = get_backend()
    scopes_of: dict[str, list[str]] = {}
    for code, scope in pairs:
        scopes_of.setdefault(code, []).append(scope)
    daily = _merged(
        backend.daily_rows(days, pairs), remote.remote_daily_rows(days, scopes_of), width=6
    )
    hourly = _merged(
        backend.hourly_rows(days, pairs), remote.remote_hourly_rows(days, scopes_of), width=3
    )
    DailyRollup.objects.filter(day__in=days).delete()
    HourlyRollup.objects.filter(day__in=days).delete()
    DailyTotal.objects.filter(day__in=days).delete()
    _insert(DailyRollup, DAILY_COLUMNS, daily)
    _insert(DailyTotal, TOTAL_COLUMNS, _subtree_totals(daily))
    _refresh_months({day.replace(day=1) for day in days})
    _insert(HourlyRollup, HOURLY_COLUMNS, hourly)
    RollupDay.objects.filter(day__in=days).delete()
    RollupDay.objects.bulk_create(
        [RollupDay(day=day, fingerprint=fp) for day, fp in fingerprints.items()]
    )
    return len(daily), len(hourly)
