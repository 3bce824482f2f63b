"""The two engines a job runs on: DuckDB embedded, and Apache Spark (PySpark) for national scale.

Both read the job's inputs from Parquet and write the job's result to Parquet in a scratch
folder; ``stream`` then reads it back in batches of ``SHUXIANG_ANALYTICS_BATCH_ROWS`` plain rows
(tuples of str/int/float), so memory stays bounded whatever the result's size (reader_history
at 100M events is 59M rows), and the store's transaction lasts only while it writes, not while
the engine computes. Spark gets the job's SQL transpiled from DuckDB's dialect by SQLGlot. One
Spark session per process, started on first use against ``SHUXIANG_ANALYTICS_SPARK_MASTER``
(``local[*]`` by default).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import sqlglot

from shuxiang.analytics.export import Inputs
from shuxiang.analytics.jobs import Job
from shuxiang.core import options
from shuxiang.core.errors import ValidationFailed

ENGINES = ("duckdb", "spark")
TABLES = ("events", "scopes")
_spark_lock = threading.Lock()
_spark: Any = None


def spark_sql(job: Job) -> str:
    """The job's SQL in Spark's dialect."""
    return sqlglot.transpile(job.text(), read="duckdb", write="spark")[0]


def plain(value: Any) -> Any:
    """A value as both engines can agree on it (ints, floats, text)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _quoted(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


def duckdb_connection() -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the node's thread, memory and spill limits."""
    db = duckdb.connect()
    db.execute("SET threads TO 2")
    spill = Path(tempfile.gettempdir()) / "shuxiang-duckdb"
    db.execute(f"SET temp_directory = {_quoted(spill)}")
    # A job that outgrows the disk fails with an error instead of filling it.
    db.execute(f"SET max_temp_directory_size = '{options.value('ANALYTICS_DUCKDB_MAX_SPILL')}'")
    if memory := options.value("ANALYTICS_DUCKDB_MEMORY"):
        db.execute(f"SET memory_limit = '{memory}'")
    return db


def write_duckdb(job: Job, inputs: Inputs, target: Path) -> None:
    db = duckdb_connection()
    try:
        for table in TABLES:
            db.execute(
                f"CREATE VIEW {table} AS SELECT * FROM read_parquet({_quoted(inputs.path(table))})"
            )
        target.mkdir()
        db.execute(f"COPY ({job.text()}) TO {_quoted(target / 'part-0.parquet')} (FORMAT parquet)")
    finally:
        db.close()


def spark_session():
    """The process's Spark session (started once; small shuffles suit one machine)."""
    global _spark
    with _spark_lock:
        if _spark is None:
            try:
                from pyspark.sql import SparkSession
            except ImportError as missing:
                raise ValidationFailed(
                    "engine: spark needs PySpark (pip install 'shuxiang[spark]') and Java 17"
                ) from missing

            master = options.value("ANALYTICS_SPARK_MASTER")
            _spark = (
                SparkSession.builder.master(master)
                .appName("shuxiang-analytics")
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
                .config("spark.sql.shuffle.partitions", "4")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.driver.memory", options.value("ANALYTICS_SPARK_DRIVER_MEMORY"))
                .getOrCreate()
            )
            _spark.sparkContext.setLogLevel("ERROR")
        return _spark


def stop_spark() -> None:
    global _spark
    with _spark_lock:
        if _spark is not None:
            _spark.stop()
            _spark = None


def write_spark(job: Job, inputs: Inputs, target: Path) -> None:
    spark = spark_session()
    for table in TABLES:
        spark.read.parquet(str(inputs.path(table))).createOrReplaceTempView(table)
    spark.sql(spark_sql(job)).write.parquet(str(target))


@dataclass(frozen=True)
class Result:
    """A job's result, written by the engine as Parquet files into ``folder``."""

    folder: Path

    def batches(self, size: int | None = None) -> Iterator[list[tuple]]:
        """The rows in file-name order (Spark's part files keep an ORDER BY), ``size`` at a time
        (``ANALYTICS_BATCH_ROWS`` by default); only one batch is held in memory."""
        files = sorted(self.folder.glob("*.parquet"))
        if not files:  # Spark writes no file for an empty result
            return
        db = duckdb_connection()
        try:
            names = ", ".join(_quoted(path) for path in files)
            rows = db.execute(f"SELECT * FROM read_parquet([{names}])")
            while batch := rows.fetchmany(size or options.value("ANALYTICS_BATCH_ROWS")):
                yield [tuple(plain(v) for v in row) for row in batch]
        finally:
            db.close()


@contextmanager
def result(job: Job, inputs: Inputs, engine: str) -> Iterator[Result]:
    """Run ``job`` over ``inputs`` on ``engine`` to the end; its result is readable in batches
    while the context lasts (a scratch folder beside the inputs, deleted afterwards)."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
    scratch = Path(tempfile.mkdtemp(prefix="result-", dir=inputs.folder))
    try:
        (write_duckdb if engine == "duckdb" else write_spark)(job, inputs, scratch / "rows")
        yield Result(scratch / "rows")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def run(job: Job, inputs: Inputs, engine: str) -> list[tuple]:
    """All rows of ``job`` over ``inputs`` computed by ``engine`` (``duckdb`` or ``spark``), as
    one list: for small results (tests, the offline evaluation); a node's jobs use ``result``."""
    with result(job, inputs, engine) as rows:
        return [row for batch in rows.batches() for row in batch]
