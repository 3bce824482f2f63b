"""Server mode: raw events in a PostgreSQL table (bulk ``COPY``), aggregated by PostgreSQL.

The rollup semantics are those of the embedded engine; only the SQL dialect differs. Days are
fingerprinted by their row count and highest id, which change whenever events arrive.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from django.db import connection, transaction

from shuxiang.stats.backends.base import Batch, StatsBackend, batch_len

_SCOPES = "(SELECT unnest(%s::text[]) AS library, unnest(%s::text[]) AS scope)"
_DAILY = """
SELECT day, library, false, resource_type, channel, kind, count(*),
       count(DISTINCT nullif(reader, ''))
FROM stats_event WHERE day = ANY(%s) GROUP BY 1, 2, 3, 4, 5, 6
UNION ALL
SELECT e.day, s.scope, true, e.resource_type, e.channel, e.kind, count(*),
       count(DISTINCT nullif(e.reader, ''))
FROM stats_event e JOIN {scopes} s ON s.library = e.library
WHERE e.day = ANY(%s) GROUP BY 1, 2, 3, 4, 5, 6
"""
_HOURLY = """
SELECT e.day, e.hour, s.scope, count(*)
FROM stats_event e JOIN {scopes} s ON s.library = e.library
WHERE e.day = ANY(%s) GROUP BY 1, 2, 3
"""
_ITEMS = """
SELECT to_char(day, 'YYYY-MM'), item_id, max(title), resource_type,
       count(*) FILTER (WHERE kind = 'search'),
       count(*) FILTER (WHERE kind IN ('item_view', 'download', 'play')),
       count(*) FILTER (WHERE kind IN ('download', 'play')),
       count(DISTINCT k) FILTER (WHERE kind IN ('item_view', 'download', 'play')),
       count(DISTINCT k) FILTER (WHERE kind IN ('download', 'play')),
       count(*) FILTER (WHERE kind = 'no_license'),
       count(*) FILTER (WHERE kind = 'limit_exceeded')
FROM (SELECT *, coalesce(nullif(reader, ''), id::text) || day::text AS k FROM stats_event
      WHERE day BETWEEN %s AND %s AND library = ANY(%s)) AS e
GROUP BY 1, 2, 4
"""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FIELDS = "ts, day, hour, kind, library, resource_type, channel, reader, item_id, title"


class PostgresBackend(StatsBackend):
    """Raw events in ``stats_event`` of the node's PostgreSQL database."""

    def append(self, batch: Batch) -> None:
        if not batch_len(batch):
            return
        rows = zip(
            [_EPOCH + timedelta(microseconds=us) for us in batch["ts"]],
            batch["day"],
            batch["hour"],
            batch["kind"],
            batch["library"],
            batch["resource_type"],
            batch["channel"],
            batch["reader"],
            batch["item_id"],
            batch["title"],
            strict=True,
        )
        with transaction.atomic(), connection.cursor() as cursor:
            self._copy(cursor, rows)

    @staticmethod
    def _copy(cursor, rows) -> None:
        with cursor.cursor.copy(f"COPY stats_event ({_FIELDS}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)

    def day_fingerprints(self) -> dict[date, str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT day, count(*), max(id) FROM stats_event GROUP BY day")
            return {day: f"{n}:{top}" for day, n, top in cursor.fetchall()}

    def _fetch(self, sql: str, params: list) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def daily_rows(self, days: list[date], scopes: list[tuple[str, str]]) -> list[tuple]:
        libraries, codes = [a for a, _ in scopes], [b for _, b in scopes]
        sql = _DAILY.format(scopes=_SCOPES)
        return self._fetch(sql, [days, libraries, codes, days])

    def hourly_rows(self, days: list[date], scopes: list[tuple[str, str]]) -> list[tuple]:
        libraries, codes = [a for a, _ in scopes], [b for _, b in scopes]
        return self._fetch(_HOURLY.format(scopes=_SCOPES), [libraries, codes, days])

    def item_rows(self, begin: date, end: date, libraries: list[str]) -> list[tuple]:
        return self._fetch(_ITEMS, [begin, end, libraries])

    def count(self, **equals: str) -> int:
        where = " AND ".join(f"{name}::text = %s" for name in equals) or "true"
        return self._fetch(
            f"SELECT count(*) FROM stats_event WHERE {where}", list(equals.values())
        )[0][0]
