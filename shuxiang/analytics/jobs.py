"""The analytics jobs, each written once as SQL (DuckDB dialect) and run on either engine.

A job reads the tables ``events`` and ``scopes`` (see ``export.py``) and returns rows whose
columns are named in ``Job.columns``. For Spark the SQL is transpiled with SQLGlot; the parity
test runs every job on both engines and compares the rows. Reports count a library's whole
subtree (``scope``); recommendation inputs count item use by signed-in readers. Jobs whose rows
the store keeps per item or per reader (co_session, co_readers, reader_history) return them
ordered by it, so the store holds one item's or one reader's rows at a time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from shuxiang.core import options

# co_readers counts only each reader's most recent items: a reader's pairs grow as the square
# of their history, so a few very active readers would dominate the self-join (and the result).
HISTORY_CAP = 200
# co_readers returns each item's best related items only (by cosine); the store keeps the first
# ANALYTICS_RELATED_PER_ITEM of them. All pairs would be tens of millions of rows at 10M events.
PAIRS_PER_ITEM = 100
# co_readers pairs two of a reader's items only when at most WINDOW places apart in the reader's
# order by last use (the node's value is the option ANALYTICS_CO_READ_WINDOW).
WINDOW = 10
# co_readers keeps a pair only when at least LEAST readers read both items near each other (the
# node's value is the option ANALYTICS_CO_READ_LEAST). Pairs read together once are most of the
# pairs at scale (the pair space grows as the square of the items) and rarely among an item's best.
LEAST = 2
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
    # When set, the SQL is made at run time (from the node's options); ``sql`` is the default.
    make_sql: Callable[[], str] | None = None

    def text(self) -> str:
        """The SQL to run now."""
        return self.make_sql() if self.make_sql else self.sql


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
        # Per (scope, item, reader) first, then per item: two plain aggregations instead of a
        # COUNT(DISTINCT) per group, which grows worse than the events.
        f"""WITH used AS (SELECT s.scope AS scope, e.item_id AS item_id, e.reader AS reader,
       MAX(e.title) AS title, COUNT(*) AS uses
{_SUBTREE} WHERE e.kind IN {USE_KINDS} AND e.item_id <> '' GROUP BY s.scope, e.item_id, e.reader)
SELECT scope, item_id, MAX(title) AS title, CAST(SUM(uses) AS BIGINT) AS uses,
       COUNT(NULLIF(reader, '')) AS readers FROM used GROUP BY scope, item_id""",
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
GROUP BY a.item_id, b.item_id HAVING COUNT(*) >= 2 ORDER BY a.item_id, b.item_id""",
        ("item_id", "related_id", "together"),
    )
)


def _near(window: int | None) -> str:
    """(item, related) rows: every two of a reader's items (window None), or each item with
    each of the ``window`` items after it in the reader's order, as (lower, higher) item number.
    """
    if window is None:
        return """SELECT a.item AS item, b.item AS related
  FROM reads a JOIN reads b ON a.reader = b.reader AND a.item <> b.item"""
    after = ", ".join(
        f"LEAD(item, {n}) OVER (PARTITION BY reader ORDER BY recent) AS n{n}"
        for n in range(1, window + 1)
    )
    pick = " ".join(f"WHEN {n} THEN f.n{n}" for n in range(1, window + 1))
    steps = ", ".join(f"({n})" for n in range(1, window + 1))
    return f"""SELECT LEAST(item, other) AS item, GREATEST(item, other) AS related FROM (
  SELECT f.item AS item, CASE s.step {pick} END AS other
  FROM (SELECT item, {after} FROM reads) f CROSS JOIN (VALUES {steps}) AS s(step)) o
  WHERE other IS NOT NULL"""


def _pairs(window: int | None, least: int) -> str:
    """(item, related, together) for every ordered pair of items read near each other by at
    least ``least`` readers."""
    if window is None:
        return f"""SELECT item, related, COUNT(*) AS together FROM near GROUP BY item, related
  HAVING COUNT(*) >= {least}"""
    # Counted once per unordered pair (half the rows to group), then given both ways round.
    return """SELECT item, related, together FROM halves
  UNION ALL SELECT related AS item, item AS related, together FROM halves"""


def co_readers_sql(
    cap: int | None = HISTORY_CAP,
    per_item: int = PAIRS_PER_ITEM,
    window: int | None = WINDOW,
    least: int = LEAST,
) -> str:
    """The co_readers SQL: each reader's ``cap`` most recent distinct items count (all if None);
    two of them pair when at most ``window`` places apart in that reader's order by last use
    (every two if None) and when at least ``least`` readers did so; each item's ``per_item``
    pairs of highest cosine are returned, ordered by item.

    With a window the work grows with the reader × item rows (linearly) instead of with the
    square of each reader's history: one sort per reader gives each item the ``window`` items
    after it (LEAD), so no join is needed, and each unordered pair is counted once. Items are
    numbered in item_id order first, so pairs are grouped, joined and tie-broken on integers.
    """
    keep = "true" if cap is None else f"recent <= {cap}"
    halves = (
        ""
        if window is None
        else "halves AS (SELECT item, related, COUNT(*) AS together FROM near"
        f" GROUP BY item, related HAVING COUNT(*) >= {least}),\n"
    )
    return f"""WITH last AS (SELECT reader, item_id, MAX(ts) AS last_ts FROM ({_READ}) r
  GROUP BY reader, item_id),
items AS (SELECT item_id, ROW_NUMBER() OVER (ORDER BY item_id) AS item
  FROM (SELECT DISTINCT item_id FROM last) d),
reads AS (SELECT reader, item, recent FROM (SELECT l.reader AS reader, i.item AS item,
  ROW_NUMBER() OVER (PARTITION BY l.reader ORDER BY l.last_ts DESC, l.item_id) AS recent
  FROM last l JOIN items i ON i.item_id = l.item_id) ranked WHERE {keep}),
counts AS (SELECT item, COUNT(*) AS n FROM reads GROUP BY item),
near AS ({_near(window)}),
{halves}pairs AS ({_pairs(window, least)}),
scored AS (SELECT p.item, p.related, p.together, ca.n AS item_readers,
  cb.n AS related_readers, ROW_NUMBER() OVER (PARTITION BY p.item
  ORDER BY p.together / SQRT(ca.n * cb.n) DESC, p.related) AS place
  FROM pairs p JOIN counts ca ON ca.item = p.item JOIN counts cb ON cb.item = p.related)
SELECT ia.item_id AS item_id, ib.item_id AS related_id, s.together, s.item_readers,
  s.related_readers FROM scored s JOIN items ia ON ia.item = s.item
  JOIN items ib ON ib.item = s.related WHERE s.place <= {per_item}
ORDER BY ia.item_id, s.place"""


_add(
    Job(
        "co_readers",
        "Pairs of items read by the same reader, with each item's readers (item-kNN input)",
        co_readers_sql(),
        ("item_id", "related_id", "together", "item_readers", "related_readers"),
        lambda: co_readers_sql(
            window=options.value("ANALYTICS_CO_READ_WINDOW"),
            least=options.value("ANALYTICS_CO_READ_LEAST"),
        ),
    )
)
_add(
    Job(
        "reader_history",
        "Each signed-in reader's items: uses and the last time used",
        f"""SELECT reader, item_id, COUNT(*) AS uses, MAX(ts) AS last_ts FROM ({_READ}) r
GROUP BY reader, item_id ORDER BY reader, item_id""",
        ("reader", "item_id", "uses", "last_ts"),
    )
)
