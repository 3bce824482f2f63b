"""Inputs of the analytics jobs: the stats app's raw events and the library tree as Parquet.

Both engines read the same two files, so a job gives the same answer on either:

- ``events.parquet``: one row per usage event with plain columns (``ts`` µs since the epoch,
  ``day`` ISO text, ``month`` ``YYYY-MM``, ``weekday`` 1 = Monday … 7 = Sunday, ``hour``, kind,
  library, resource type, channel, reader pseudonym, item id, title);
- ``scopes.parquet``: (library, scope) for every library and each library above it, itself
  included, so a job counts a tier's subtree with one join.

Embedded mode reads the Parquet segments of the stats backend with DuckDB; server mode copies
``stats_event`` out of PostgreSQL with ``COPY … TO STDOUT`` and DuckDB turns it into Parquet.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
from django.db import connection

from shuxiang.stats.backends import get_backend
from shuxiang.stats.rollup import scope_pairs

_PLAIN = """
SELECT epoch_us(ts)::BIGINT AS ts, strftime(day::DATE, '%Y-%m-%d') AS day,
       strftime(day::DATE, '%Y-%m') AS month, isodow(day::DATE)::INTEGER AS weekday,
       hour::INTEGER AS hour, kind, library, resource_type, channel, reader, item_id, title
FROM {source} WHERE {where}
"""
_PG_COPY = (
    "COPY (SELECT (extract(epoch FROM ts) * 1000000)::bigint, day, hour, kind, library,"
    " resource_type, channel, reader, item_id, title FROM stats_event WHERE {where})"
    " TO STDOUT WITH (FORMAT csv)"
)
_CSV_COLUMNS = (
    "{'ts': 'BIGINT', 'day': 'DATE', 'hour': 'INTEGER', 'kind': 'VARCHAR', 'library': 'VARCHAR',"
    " 'resource_type': 'VARCHAR', 'channel': 'VARCHAR', 'reader': 'VARCHAR',"
    " 'item_id': 'VARCHAR', 'title': 'VARCHAR'}"
)


@dataclass(frozen=True)
class Inputs:
    """Where a job's input tables are (``events`` and ``scopes``) and how many events."""

    folder: Path
    events: int

    def path(self, table: str) -> Path:
        return self.folder / f"{table}.parquet"


def _where(first: date | None, last: date | None) -> tuple[str, list]:
    clauses, params = ["true"], []
    if first:
        clauses.append("day >= ?")
        params.append(first)
    if last:
        clauses.append("day <= ?")
        params.append(last)
    return " AND ".join(clauses), params


def _copy(db, select: str, params: list, target: Path) -> None:
    target_sql = str(target).replace("'", "''")
    db.execute(f"COPY ({select}) TO '{target_sql}' (FORMAT parquet)", params)


def _events_from_segments(db, target: Path, first: date | None, last: date | None) -> None:
    segments = get_backend().all_segments()
    where, params = _where(first, last)
    if not segments:
        source = "(SELECT NULL::TIMESTAMP AS ts, NULL::DATE AS day, 0 AS hour, '' AS kind,"
        source += " '' AS library, '' AS resource_type, '' AS channel, '' AS reader,"
        source += " '' AS item_id, '' AS title WHERE false)"
    else:
        listed = ", ".join("'" + str(p).replace("'", "''") + "'" for p in segments)
        source = f"read_parquet([{listed}])"
    _copy(db, _PLAIN.format(source=source, where=where), params, target)


def _events_from_postgres(db, target: Path, first: date | None, last: date | None) -> None:
    clauses = ["true"] + (["day >= %s"] if first else []) + (["day <= %s"] if last else [])
    params = [d for d in (first, last) if d]
    raw = target.with_suffix(".csv")
    with connection.cursor() as cursor, raw.open("wb") as out:
        sql = cursor.mogrify(_PG_COPY.format(where=" AND ".join(clauses)), params)
        with cursor.connection.cursor().copy(sql) as copy:
            for chunk in copy:
                out.write(chunk)
    source = (
        f"read_csv('{raw}', header = false, auto_detect = false, quote = '\"', escape = '\"',"
        f" columns = {_CSV_COLUMNS})"
    )
    select = _PLAIN.format(source=source, where="true").replace("epoch_us(ts)", "ts")
    _copy(db, select, [], target)
    raw.unlink()


def write_scopes(target: Path, pairs: list[tuple[str, str]] | None = None) -> None:
    """The library tree as (library, scope) rows."""
    pairs = scope_pairs() if pairs is None else pairs
    raw = target.with_suffix(".csv")
    with raw.open("w", newline="", encoding="utf-8") as out:
        csv.writer(out).writerows(pairs)
    db = duckdb.connect()
    select = (
        f"SELECT * FROM read_csv('{raw}', header = false, auto_detect = false,"
        " columns = {'library': 'VARCHAR', 'scope': 'VARCHAR'})"
    )
    _copy(db, select, [], target)
    raw.unlink()


def export_inputs(folder: Path, *, first: date | None = None, last: date | None = None) -> Inputs:
    """Write ``events.parquet`` (days ``first``–``last``) and ``scopes.parquet`` into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    db = duckdb.connect()
    events = folder / "events.parquet"
    if hasattr(get_backend(), "all_segments"):
        _events_from_segments(db, events, first, last)
    else:
        _events_from_postgres(db, events, first, last)
    write_scopes(folder / "scopes.parquet")
    count = db.execute(f"SELECT count(*) FROM read_parquet('{events}')").fetchone()[0]
    return Inputs(folder, count)


def write_batches(batches, folder: Path, pairs: list[tuple[str, str]]) -> Inputs:
    """Job inputs made from day batches (the generator's) instead of the stats backend."""
    folder.mkdir(parents=True, exist_ok=True)
    raw = folder / "events.csv"
    with raw.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        for batch in batches:
            writer.writerows(zip(*batch.values(), strict=True))
    source = (
        f"read_csv('{raw}', header = false, auto_detect = false, quote = '\"', escape = '\"',"
        f" columns = {_CSV_COLUMNS})"
    )
    select = _PLAIN.format(source=source, where="true").replace("epoch_us(ts)", "ts")
    db = duckdb.connect()
    _copy(db, select, [], folder / "events.parquet")
    raw.unlink()
    write_scopes(folder / "scopes.parquet", pairs)
    count = db.execute(f"SELECT count(*) FROM read_parquet('{folder / 'events.parquet'}')")
    return Inputs(folder, count.fetchone()[0])


def split_by_month(
    inputs: Inputs, test_month: str, train: Path, test: Path
) -> tuple[Inputs, Inputs]:
    """Inputs of the months before ``test_month`` (training) and of ``test_month`` (test)."""
    db = duckdb.connect()
    source = f"read_parquet('{inputs.path('events')}')"
    made = []
    for folder, where in ((train, f"month < '{test_month}'"), (test, f"month = '{test_month}'")):
        folder.mkdir(parents=True, exist_ok=True)
        _copy(db, f"SELECT * FROM {source} WHERE {where}", [], folder / "events.parquet")
        db.execute(
            f"COPY (SELECT * FROM read_parquet('{inputs.path('scopes')}')) TO"
            f" '{folder / 'scopes.parquet'}' (FORMAT parquet)"
        )
        n = db.execute(f"SELECT count(*) FROM read_parquet('{folder / 'events.parquet'}')")
        made.append(Inputs(folder, n.fetchone()[0]))
    return made[0], made[1]
