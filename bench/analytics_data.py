"""Bench inputs at 1M-100M events: the generator's model (shuxiang/analytics/generator.py) in SQL.

    python bench/analytics_data.py FOLDER EVENTS [EVENTS ...]

The Python generator makes about 50k events a second (35 minutes and ~10 GB of CSV for 100M),
so the bench sizes come from the same model written as one DuckDB query that streams Parquet:

- sessions are numbered; a session's day is spread evenly over the year, its reader drawn by
  activity weight 1 / rank^0.6, its hour by the generator's day-and-evening curve; it has a
  page view, a search half of the time (one in eight finds nothing) and 1-5 item uses;
- a reader's favourite topics (one, or two for a third of readers) and home library, and every
  other draw, come from hashes of (seed, session or reader, use, purpose), so the same
  arguments give the same events with any number of threads;
- Zipf draws use the continuous inverse of the weights' cumulative sum (rank r has weight
  1 / (r + 1) for items, 1 / (r + 1)^0.6 for readers) instead of a search of the exact sums.

Shape as the bench's: readers = events / 40, items = events / 400, 25 topics, year 2025.
Writes FOLDER/e<EVENTS>/events.parquet and scopes.parquet (skipped if already there).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import duckdb

HOURS = [1, 1, 1, 1, 1, 1, 2, 4, 7, 9, 10, 9, 7, 7, 8, 9, 9, 8, 8, 10, 12, 12, 9, 5]
TERMS = ["古籍善本", "方志", "家谱", "敦煌遗书", "甲骨文", "碑帖拓片", "舆图", "老照片"]
LIBRARIES = ["11", "12"]
SCOPES = [("1", "1"), ("11", "1"), ("11", "11"), ("12", "1"), ("12", "12")]
TOPICS, YEAR, SEED = 25, 2025, 17


def _hour_case(u: str) -> str:
    total, bound, whens = sum(HOURS), 0, []
    for hour, weight in enumerate(HOURS[:-1]):
        bound += weight
        whens.append(f"WHEN {u} < {bound / total!r} THEN {hour}")
    return f"CASE {' '.join(whens)} ELSE 23 END"


def _list(values: list[str]) -> str:
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


def events_sql(events: int) -> str:
    readers, items = max(1000, events // 40), max(500, events // 400)
    per_topic = items // TOPICS  # also the number of blocks of TOPICS equally popular items
    sessions = round(events / 4.5)  # 1 page view + 0.5 searches + 3 uses on average
    days = 365
    zipf = "least(floor(exp(u(s, j, {k}) * ln({n} + 1)))::BIGINT - 1, {n} - 1)"
    zipf_items, zipf_blocks = zipf.format(k=22, n=per_topic), zipf.format(k=23, n=per_topic)
    return f"""
WITH ses AS (
  SELECT range AS s, (range * {days} // {sessions})::INTEGER AS d,
    least(floor(power(1 + u(range, 0, 1) * (power({readers} + 1, 0.4) - 1), 2.5))::BIGINT - 1,
          {readers - 1}) AS reader,
    {_hour_case("u(range, 0, 2)")} AS hour,
    floor(u(range, 0, 3) * 3000000000)::BIGINT AS jitter,
    1 + floor(u(range, 0, 4) * 5)::INTEGER AS uses,
    (u(range, 0, 5) < 0.5)::INTEGER AS searched,
    u(range, 0, 6) < 0.125 AS zero,
    {_list(TERMS)}[1 + floor(u(range, 0, 7) * {len(TERMS)})::INTEGER] AS term
  FROM range({sessions})),
who AS (
  SELECT *, u(reader, -1, 101) < 1 / 3 AS two,
    floor(u(reader, -1, 102) * {TOPICS})::INTEGER AS t1,
    {_list(LIBRARIES)}[1 + floor(u(reader, -1, 104) * {len(LIBRARIES)})::INTEGER] AS library
  FROM ses),
rows_ AS (
  SELECT *, unnest(range(1 + searched + uses)) AS step FROM who),
made AS (
  SELECT *, step - 1 - searched AS j,
    CASE WHEN step = 0 THEN 'page_view' WHEN step = 1 AND searched = 1 THEN 'search'
      ELSE ['item_view', 'item_view', 'download', 'play'][1 + floor(u(s, step, 8) * 4)::INTEGER]
    END AS kind
  FROM rows_),
used AS (
  SELECT *, CASE WHEN j < 0 THEN NULL
    WHEN u(s, j, 20) < 0.8 THEN
      (CASE WHEN two AND u(s, j, 21) < 0.5
        THEN (t1 + 1 + floor(u(reader, -1, 103) * {TOPICS - 1})::INTEGER) % {TOPICS}
        ELSE t1 END) + {TOPICS} * {zipf_items}
    ELSE {zipf_blocks} * {TOPICS} + floor(u(s, j, 24) * {TOPICS})::BIGINT END AS item
  FROM made)
SELECT
  epoch_us((DATE '{YEAR}-01-01' + d)::TIMESTAMP) - 8 * 3600000000 + hour * 3600000000
    + jitter + step * 60000000 AS ts,
  strftime(DATE '{YEAR}-01-01' + d, '%Y-%m-%d') AS day,
  strftime(DATE '{YEAR}-01-01' + d, '%Y-%m') AS month,
  isodow(DATE '{YEAR}-01-01' + d)::INTEGER AS weekday, hour::INTEGER AS hour, kind, library,
  CASE WHEN item IS NULL THEN '' ELSE ['ebook', 'journal', 'audio', 'video'][1 + item % 4] END
    AS resource_type,
  ['mobile', 'mobile', 'web', 'api'][1 + floor(u(s, step, 9) * 4)::INTEGER] AS channel,
  'gen{SEED}-' || lpad(reader::VARCHAR, 7, '0') AS reader,
  CASE WHEN kind = 'search' THEN (CASE WHEN zero THEN 'hits:0' ELSE 'hits:12' END)
    WHEN item IS NULL THEN '' ELSE 'resource:' || (item + 1) END AS item_id,
  CASE WHEN kind = 'search' THEN term WHEN item IS NULL THEN '' ELSE '第' || (item + 1) || '种' END
    AS title
FROM used"""


def make(folder: Path, events: int) -> Path:
    target = folder / f"e{events}"
    if (target / "events.parquet").exists():
        return target
    target.mkdir(parents=True, exist_ok=True)
    db = duckdb.connect()
    db.execute("SET threads TO 2")
    db.execute("SET memory_limit = '4GB'")
    db.execute("SET preserve_insertion_order = false")
    db.execute(
        f"CREATE MACRO u(a, b, c) AS (hash(a, b, c, {SEED}) >> 11)::DOUBLE / 9007199254740992.0"
    )
    part = target / "events.parquet.part"
    db.execute(f"COPY ({events_sql(events)}) TO '{part}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)")
    part.rename(target / "events.parquet")
    values = ", ".join(f"('{a}', '{b}')" for a, b in SCOPES)
    db.execute(
        f"COPY (SELECT * FROM (VALUES {values}) AS t(library, scope)) TO"
        f" '{target / 'scopes.parquet'}' (FORMAT parquet)"
    )
    return target


def main() -> None:
    folder = Path(sys.argv[1])
    for events in (int(n) for n in sys.argv[2:]):
        began = time.perf_counter()
        target = make(folder, events)
        count = duckdb.connect().execute(
            f"SELECT count(*) FROM read_parquet('{target / 'events.parquet'}')"
        )
        took = time.perf_counter() - began
        print(f"{events:>11,}: {count.fetchone()[0]:,} events in {took:.1f} s")


if __name__ == "__main__":
    main()
