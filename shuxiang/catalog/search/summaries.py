"""Exact facets of broad queries, shared by every web machine (宽泛查询的分面汇总).

A query matching more than ``COUNT_LIMIT`` records gets its facets (and its number of
matches and works) counted over EVERY match once, in one pass, and kept in an unlogged
PostgreSQL table that all web processes read (migration 0006). A summary belongs to an index
generation: any change to the search index bumps a sequence after the change commits, and a
summary read back only counts when it was computed under the current generation, so nothing a
summary counted can have changed since. Like Elasticsearch's shard request cache for
aggregations, but exact and invalidated by the writes themselves.

Summaries are kept only for visibilities that the matching records alone decide (not for
staff scopes, which follow the library tree): the key is the matching SQL and its parameters.
"""

from __future__ import annotations

import hashlib
import json
import random

from django.db import connection, transaction

TABLE = "catalog_search_summary"
GENERATION = "catalog_search_generation"
MAX_KEPT = 10_000  # summaries kept at most (the most recently stored; trimmed now and then)


def key_of(sql: str, params: list | tuple) -> str:
    """The summary key of one matching query (its SQL with the parameters)."""
    text = json.dumps([sql, [str(p) for p in params]], ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def changed() -> None:
    """The index changed: once the change commits, every summary counted before is stale."""
    transaction.on_commit(_bump)


def changed_now() -> None:
    """The index changed outside the database (a search server): stale at once, whatever
    becomes of the current transaction (a sequence does not roll back)."""
    _bump()


def _bump() -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT nextval('{GENERATION}')")


def current(key: str) -> tuple[int, dict | None]:
    """The current index generation and what was kept for ``key`` under it, in one query.
    A summary is stored under the generation read here, before its matches are counted, so
    a change that commits while they are counted leaves it under a number no longer current."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH g AS MATERIALIZED (SELECT last_value + is_called::int AS n FROM {GENERATION}) "
            f"SELECT g.n, s.payload FROM g LEFT JOIN {TABLE} s ON s.key = %s "
            "AND s.generation = g.n",
            [key],
        )
        number, payload = cursor.fetchone()
    if payload is not None and not isinstance(payload, dict):
        payload = json.loads(payload)
    return number, payload


def lookup(key: str, current: int) -> dict | None:
    """What was kept for ``key`` under generation ``current``, if anything."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT payload FROM {TABLE} WHERE key = %s AND generation = %s", [key, current]
        )
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0] if isinstance(row[0], dict) else json.loads(row[0])


def store(key: str, current: int, payload: dict) -> None:
    """Keep one summary (replacing an older one), and drop those of older generations."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (key, generation, payload, stored) "
            "VALUES (%s, %s, %s, clock_timestamp()) "
            "ON CONFLICT (key) DO UPDATE SET generation = EXCLUDED.generation, "
            "payload = EXCLUDED.payload, stored = EXCLUDED.stored",
            [key, current, json.dumps(payload, ensure_ascii=False)],
        )
        cursor.execute(f"DELETE FROM {TABLE} WHERE generation < %s", [current])
        if random.random() < 0.01:  # noqa: S311 - when to trim, not a secret
            cursor.execute(
                f"DELETE FROM {TABLE} WHERE key IN "
                f"(SELECT key FROM {TABLE} ORDER BY stored DESC OFFSET %s)",
                [MAX_KEPT],
            )


_ready: list[bool] = []


def available() -> bool:
    """Whether the summary table exists here (PostgreSQL after migration 0006)."""
    if not _ready:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [TABLE])
            _ready.append(bool(cursor.fetchone()[0]))
    return _ready[0]
