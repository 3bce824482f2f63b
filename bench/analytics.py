"""Analytics bench: each job's runtime at growing event counts, on DuckDB and on Spark local.

    python bench/analytics.py [--duckdb 100000,1000000,10000000] [--spark 100000,1000000]
                              [--jobs channel,co_readers,co_readers_uncapped,...] [--root DIR]
    python bench/analytics.py --table bench/results/analytics_jobs-*.txt   # job × size × engine

Events come from the documented generator (shuxiang/analytics/generator.py) or, when --root
holds them already, from bench/analytics_data.py (the same model in SQL, for 1M-100M events).
Spark starts once per run (its start is timed apart, not in the first job). Each job's rows are
read back in batches as the service reads them (``engines.result``), or with --in-engine only
counted in the engine. Each job's wall time, CPU time (this process, plus Spark's JVM) and the
process's peak resident memory so far are printed as it finishes; the growth
exponent is the slope of log(wall time) over log(events) between each two sizes measured.
"""

from __future__ import annotations

import argparse
import math
import os
import re
import resource
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

# co_readers without its window and history cap: every two items of a reader (--jobs only).
UNCAPPED = Job(
    "co_readers_uncapped",
    "",
    co_readers_sql(None, window=None, least=1),
    JOBS["co_readers"].columns,
)
# co_readers as it was before the window: every two of a reader's 200 most recent items.
ALL_PAIRS = Job(
    "co_readers_all_pairs", "", co_readers_sql(window=None, least=1), JOBS["co_readers"].columns
)
BENCH_JOBS = {**JOBS, UNCAPPED.name: UNCAPPED, ALL_PAIRS.name: ALL_PAIRS}
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


def _jvm_cpu() -> float:
    """CPU seconds of Spark's JVM so far (0 when Spark is not running)."""
    if engines._spark is None:
        return 0.0
    pid = engines._spark._jvm.java.lang.ProcessHandle.current().pid()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_seconds() -> float:
    """CPU seconds of this process and of Spark's JVM."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime + _jvm_cpu()


def count_in_engine(job: Job, inputs, engine: str) -> int:
    """The job's result made in the engine and counted there, nothing sent to Python."""
    if engine == "duckdb":
        db = engines.duckdb_connection()
        if not os.environ.get("SHUXIANG_ANALYTICS_DUCKDB_MEMORY"):
            db.execute("SET memory_limit = '5GB'")
        for table in engines.TABLES:
            db.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{inputs.path(table)}')")
        db.execute(f"CREATE TEMP TABLE result AS {job.text()}")
        return db.execute("SELECT COUNT(*) FROM result").fetchone()[0]
    spark = engines.spark_session()
    for table in engines.TABLES:
        spark.read.parquet(str(inputs.path(table))).createOrReplaceTempView(table)
    frame = spark.sql(engines.spark_sql(job)).persist()
    try:
        return frame.count()
    finally:
        frame.unpersist()


def collect(job: Job, inputs, engine: str) -> int:
    """The job's rows as the service gets them: the engine writes its result, which is read
    back in batches of ANALYTICS_BATCH_ROWS and counted (never all in memory)."""
    with engines.result(job, inputs, engine) as result:
        return sum(len(batch) for batch in result.batches())


def peak_mb() -> float:
    """Peak resident memory of this process so far (MB; Spark's JVM not included)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def time_jobs(
    engine: str, sizes: list[int], jobs: list[str], root: Path, in_engine: bool = False
) -> None:
    timings: dict[str, list[float]] = {job: [] for job in jobs}
    if engine == "spark":
        began = time.perf_counter()
        engines.spark_session()
        print(f"spark  session start {time.perf_counter() - began:.2f} s", flush=True)
    for size in sizes:
        inputs = inputs_of(size, root)
        for job in jobs:
            began, cpu = time.perf_counter(), cpu_seconds()
            if in_engine:
                rows = count_in_engine(BENCH_JOBS[job], inputs, engine)
            else:
                rows = collect(BENCH_JOBS[job], inputs, engine)
            timings[job].append(time.perf_counter() - began)
            print(
                f"{engine:6} {job:16} {inputs.events:>11,} events {timings[job][-1]:8.2f} s"
                f" (cpu {cpu_seconds() - cpu:8.2f} s) {rows:>9,} rows, peak rss {peak_mb():,.0f} MB"
                + (" (counted in the engine)" if in_engine else " (read back in batches)"),
                flush=True,
            )
    for job in jobs:
        steps = [
            f"{a:,}->{b:,}: {exponent([a, b], timings[job][i : i + 2]):.2f}"
            for i, (a, b) in enumerate(zip(sizes, sizes[1:], strict=False))
        ]
        print(f"{engine:6} {job:16} exponent {'; '.join(steps)}", flush=True)


LINE = re.compile(r"^(\w+) +(\w+) +([\d,]+) events +([\d.]+) s \(cpu +([\d.]+) s\)")


def table(paths: list[str]) -> None:
    """Job × size × engine (wall and CPU seconds) from result files, with exponents."""
    found: dict[tuple[str, str], dict[int, tuple[float, float]]] = {}
    for path in paths:
        for line in Path(path).read_text().splitlines():
            if match := LINE.match(line):
                engine, job, events, wall, cpu = match.groups()
                size = 10 ** round(math.log10(int(events.replace(",", ""))))
                found.setdefault((job, engine), {})[size] = (float(wall), float(cpu))
    print(
        "| job | engine | " + " | ".join(f"{n:,}" for n in (10**6, 10**7, 10**8)) + " | exponent |"
    )
    print("| --- | --- | --- | --- | --- | --- |")
    for (job, engine), sizes in sorted(found.items()):
        cells = [
            f"{sizes[n][0]:.1f} s (cpu {sizes[n][1]:.2f})" if n in sizes else "—"
            for n in (10**6, 10**7, 10**8)
        ]
        known = sorted(sizes)
        slopes = [
            f"{exponent([a, b], [sizes[a][0], sizes[b][0]]):.2f}"
            f" (cpu {exponent([a, b], [sizes[a][1], sizes[b][1]]):.2f})"
            for a, b in zip(known, known[1:], strict=False)
        ]
        print(f"| {job} | {engine} | " + " | ".join(cells) + f" | {'; '.join(slopes)} |")


def main() -> None:
    if sys.argv[1:2] == ["--table"]:
        table(sys.argv[2:])
        return
    parser = argparse.ArgumentParser()
    parser.add_argument("--duckdb", default="100000,1000000")
    parser.add_argument("--spark", default="100000,300000")
    parser.add_argument("--jobs", default=",".join(JOBS))
    parser.add_argument("--root", help="folder of generated inputs to reuse (made if missing)")
    parser.add_argument(
        "--in-engine",
        action="store_true",
        help="make each result in the engine and count it there (no rows sent to Python)",
    )
    args = parser.parse_args()
    root = Path(args.root or tempfile.mkdtemp(prefix="shuxiang-bench-"))
    jobs = args.jobs.split(",")
    for engine, sizes in (("duckdb", args.duckdb), ("spark", args.spark)):
        if sizes:
            time_jobs(engine, [int(s) for s in sizes.split(",")], jobs, root, args.in_engine)
    engines.stop_spark()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
