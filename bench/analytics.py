"""Analytics bench: each job's runtime at growing event counts, on DuckDB and on Spark local.

    python bench/analytics.py [--duckdb 100000,1000000,10000000] [--spark 100000,1000000]
                              [--jobs channel,co_readers,co_readers_uncapped,...]

Events come from the documented generator (shuxiang/analytics/generator.py). For each engine
the growth exponent is the slope of log(runtime) over log(events) between the smallest and the
largest size. Serving: p95 of a resource page with recommendations against the same page
without them (Django's test client in one process, same run).
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuxiang.settings")
os.environ.setdefault("SHUXIANG_DATA_DIR", tempfile.mkdtemp())

import django  # noqa: E402

django.setup()

import duckdb  # noqa: E402

from shuxiang.analytics import engines  # noqa: E402
from shuxiang.analytics.export import Inputs, write_batches  # noqa: E402
from shuxiang.analytics.generator import Shape, generate  # noqa: E402
from shuxiang.analytics.jobs import JOBS, Job, co_readers_sql  # noqa: E402

# co_readers without its per-reader history cap, to show what the cap saves (--jobs only).
UNCAPPED = Job("co_readers_uncapped", "", co_readers_sql(None), JOBS["co_readers"].columns)
BENCH_JOBS = {**JOBS, UNCAPPED.name: UNCAPPED}
PAIRS = [("1", "1"), ("11", "1"), ("11", "11"), ("12", "1"), ("12", "12")]


def inputs_of(events: int, root: Path):
    folder = root / f"e{events}"
    if (folder / "events.parquet").exists():  # made by an earlier run with the same --root
        path = folder / "events.parquet"
        count = (
            duckdb.connect().execute(f"SELECT COUNT(*) FROM read_parquet('{path}')").fetchone()[0]
        )
        return Inputs(folder, count)
    shape = Shape(events=events, readers=max(1000, events // 40), items=max(500, events // 400))
    return write_batches(generate(shape, ["11", "12"]), root / f"e{events}", PAIRS)


def exponent(sizes: list[int], seconds: list[float]) -> float:
    if len(sizes) < 2 or min(seconds) <= 0:
        return float("nan")
    return math.log(seconds[-1] / seconds[0]) / math.log(sizes[-1] / sizes[0])


def time_jobs(engine: str, sizes: list[int], jobs: list[str], root: Path) -> None:
    timings: dict[str, list[float]] = {job: [] for job in jobs}
    for size in sizes:
        inputs = inputs_of(size, root)
        for job in jobs:
            began = time.perf_counter()
            rows = engines.run(BENCH_JOBS[job], inputs, engine)
            timings[job].append(time.perf_counter() - began)
            print(
                f"{engine:6} {job:16} {inputs.events:>11,} events {timings[job][-1]:8.2f} s"
                f" {len(rows):>9,} rows",
                flush=True,
            )
    for job in jobs:
        print(f"{engine:6} {job:16} exponent {exponent(sizes, timings[job]):.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duckdb", default="100000,1000000")
    parser.add_argument("--spark", default="100000,300000")
    parser.add_argument("--jobs", default=",".join(JOBS))
    parser.add_argument("--root", help="folder of generated inputs to reuse (made if missing)")
    args = parser.parse_args()
    root = Path(args.root or tempfile.mkdtemp(prefix="shuxiang-bench-"))
    jobs = args.jobs.split(",")
    for engine, sizes in (("duckdb", args.duckdb), ("spark", args.spark)):
        if sizes:
            time_jobs(engine, [int(s) for s in sizes.split(",")], jobs, root)
    engines.stop_spark()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
