"""The analytics jobs, each written once as SQL (DuckDB dialect) and run on either engine.

A job reads the tables ``events`` and ``scopes`` (see ``export.py``) and returns rows whose
columns are named in ``Job.columns``. For Spark the SQL is transpiled with SQLGlot; the parity
test runs every job on both engines and compares the rows. Reports count a library's whole
subtree (``scope``); recommendation inputs count item use by signed-in readers.
"""

from __future__ import annotations

from dataclasses import dataclass

# co_readers counts only each reader's most recent items: a reader's pairs grow as the square
# of their history, so a few very active readers would dominate the self-join (and the result).
HISTORY_CAP = 200
# co_readers returns each item's best related items only (by cosine); the store keeps the first
# ANALYTICS_RELATED_PER_ITEM of them. All pairs would be tens of millions of rows at 10M events.
PAIRS_PER_ITEM = 100
USE_KINDS = "('item_view', 'download', 'play')"
_SUBTREE = "FROM events e JOIN scopes s ON s.library = e.library"
_READ = f"""SELECT reader, item_id, day, ts FROM events
WHERE kind IN {USE_KINDS} AND reader <> '' AND item_id <> ''"""


@dataclass(frozen=True)
class Job:
    """One job: its name, what it computes, its SQL and the names of its output columns."""

    name: str
    description: str
    sql: str
    columns: tuple[str, ...]


def _report(name: str, description: str, key: str, key2: str, where: str = "true") -> Job:
    sql = f"""SELECT s.scope AS scope, CAST({key} AS VARCHAR) AS key,
       CAST({key2} AS VARCHAR) AS key2, COUNT(*) AS value
{_SUBTREE} WHERE {where} GROUP BY s.scope, {key}, {key2}"""
    return Job(name, description, sql, ("scope", "key", "key2", "value"))


JOBS: dict[str, Job] = {}


def _add(job: Job) -> None:
    JOBS[job.name] = job


_add(_report("weekday_hour", "Events per weekday × local hour", "e.weekday", "e.hour"))
_add(_report("channel", "Events per channel", "e.channel", "''"))
_add(
    _report(
        "resource_type",
        "Item uses per resource type",
        "e.resource_type",
        "''",
        f"e.kind IN {USE_KINDS} AND e.resource_type <> ''",
    )
)
_add(
    _report(
        "utilisation",
        "Uses per item",
        "e.item_id",
        "''",
        f"e.kind IN {USE_KINDS} AND e.item_id <> ''",
    )
)
_add(
    _report(
        "zero_results",
        "Searches with no results, per term",
        "e.title",
        "''",
        "e.kind = 'search' AND e.item_id = 'hits:0' AND e.title <> ''",
    )
)
_add(
    Job(
        "first_use",
        "The first day each item was used",
        f"SELECT item_id, MIN(day) AS first_day FROM events WHERE kind IN {USE_KINDS}"
        " AND item_id <> '' GROUP BY item_id",
        ("item_id", "first_day"),
    )
)
_add(
    Job(
        "cohorts",
        "Readers by month of first activity (cohort) and month active",
        f"""WITH firsts AS (SELECT reader, MIN(month) AS cohort FROM events WHERE reader <> ''
    GROUP BY reader),
active AS (SELECT DISTINCT s.scope AS scope, e.reader AS reader, e.month AS month
    {_SUBTREE} WHERE e.reader <> '')
SELECT a.scope AS scope, f.cohort AS key, a.month AS key2, COUNT(*) AS value
FROM active a JOIN firsts f ON f.reader = a.reader GROUP BY a.scope, f.cohort, a.month""",
        ("scope", "key", "key2", "value"),
    )
)
_add(
    Job(
        "popularity",
        "Uses and distinct readers per item in each subtree",
        f"""SELECT s.scope AS scope, e.item_id AS item_id, MAX(e.title) AS title,
       COUNT(*) AS uses, COUNT(DISTINCT NULLIF(e.reader, '')) AS readers
{_SUBTREE} WHERE e.kind IN {USE_KINDS} AND e.item_id <> '' GROUP BY s.scope, e.item_id""",
        ("scope", "item_id", "title", "uses", "readers"),
    )
)
_add(
    Job(
        "co_session",
        "Pairs of items used by one reader on one day (a session, BibTip-style)",
        f"""WITH sessions AS (SELECT DISTINCT reader, day, item_id FROM ({_READ}) r)
SELECT a.item_id AS item_id, b.item_id AS related_id, COUNT(*) AS together
FROM sessions a JOIN sessions b ON a.reader = b.reader AND a.day = b.day
 AND a.item_id <> b.item_id
GROUP BY a.item_id, b.item_id HAVING COUNT(*) >= 2""",
        ("item_id", "related_id", "together"),
    )
)


def co_readers_sql(cap: int | None = HISTORY_CAP, per_item: int = PAIRS_PER_ITEM) -> str:
    """The co_readers SQL: each reader's ``cap`` most recent items count (all if None); each
    item's ``per_item`` pairs of highest cosine are returned."""
    keep = "true" if cap is None else f"recent <= {cap}"
    return f"""WITH last AS (SELECT reader, item_id, MAX(ts) AS last_ts FROM ({_READ}) r
  GROUP BY reader, item_id),
reads AS (SELECT reader, item_id FROM (SELECT reader, item_id, ROW_NUMBER() OVER
  (PARTITION BY reader ORDER BY last_ts DESC, item_id) AS recent FROM last) ranked
  WHERE {keep}),
counts AS (SELECT item_id, COUNT(*) AS n FROM reads GROUP BY item_id),
pairs AS (SELECT a.item_id AS item_id, b.item_id AS related_id, COUNT(*) AS together
  FROM reads a JOIN reads b ON a.reader = b.reader AND a.item_id <> b.item_id
  GROUP BY a.item_id, b.item_id),
scored AS (SELECT p.item_id, p.related_id, p.together, ca.n AS item_readers,
  cb.n AS related_readers, ROW_NUMBER() OVER (PARTITION BY p.item_id
  ORDER BY p.together / SQRT(ca.n * cb.n) DESC, p.related_id) AS place
  FROM pairs p JOIN counts ca ON ca.item_id = p.item_id
  JOIN counts cb ON cb.item_id = p.related_id)
SELECT item_id, related_id, together, item_readers, related_readers FROM scored
WHERE place <= {per_item}"""


_add(
    Job(
        "co_readers",
        "Pairs of items read by the same reader, with each item's readers (item-kNN input)",
        co_readers_sql(),
        ("item_id", "related_id", "together", "item_readers", "related_readers"),
    )
)
_add(
    Job(
        "reader_history",
        "Each signed-in reader's items: uses and the last time used",
        f"""SELECT reader, item_id, COUNT(*) AS uses, MAX(ts) AS last_ts FROM ({_READ}) r
GROUP BY reader, item_id""",
        ("reader", "item_id", "uses", "last_ts"),
    )
)
