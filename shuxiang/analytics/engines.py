"""The two engines a job runs on: DuckDB embedded, and Apache Spark (PySpark) for national scale.

Both read the job's inputs from Parquet and return plain rows (tuples of str/int/float). Spark
gets the job's SQL transpiled from DuckDB's dialect by SQLGlot. One Spark session per process,
started on first use against ``SHUXIANG_ANALYTICS_SPARK_MASTER`` (``local[*]`` by default).
"""

from __future__ import annotations

import tempfile
import threading
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


def run_duckdb(job: Job, inputs: Inputs) -> list[tuple]:
    db = duckdb.connect()
    db.execute("SET threads TO 2")
    if memory := options.value("ANALYTICS_DUCKDB_MEMORY"):
        db.execute(f"SET memory_limit = '{memory}'")
        spill = Path(tempfile.gettempdir()) / "shuxiang-duckdb"
        db.execute(f"SET temp_directory = '{spill}'")
    for table in TABLES:
        path = str(inputs.path(table)).replace("'", "''")
        db.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")
    return [tuple(plain(v) for v in row) for row in db.execute(job.text()).fetchall()]


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


def run_spark(job: Job, inputs: Inputs) -> list[tuple]:
    spark = spark_session()
    for table in TABLES:
        spark.read.parquet(str(inputs.path(table))).createOrReplaceTempView(table)
    rows = spark.sql(spark_sql(job)).collect()
    return [tuple(plain(v) for v in row) for row in rows]


def run(job: Job, inputs: Inputs, engine: str) -> list[tuple]:
    """Rows of ``job`` over ``inputs`` computed by ``engine`` (``duckdb`` or ``spark``)."""
    if engine == "duckdb":
        return run_duckdb(job, inputs)
    if engine == "spark":
        return run_spark(job, inputs)
    raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}")
