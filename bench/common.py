"""Shared helpers for benchmarks: a throwaway node environment and the result line."""

from __future__ import annotations

import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable


def setup_django(*, keep_database_url: bool = True) -> str:
    """Point Shuxiang at a fresh temporary data dir, set Django up and migrate; return the dir."""
    data_dir = tempfile.mkdtemp(prefix="shuxiang-bench-")
    os.environ["SHUXIANG_DATA_DIR"] = data_dir
    if not keep_database_url:
        os.environ.pop("SHUXIANG_DATABASE_URL", None)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuxiang.settings")
    import django

    django.setup()
    from django.core.management import call_command

    if os.environ.get("SHUXIANG_DATABASE_URL"):
        _fresh_postgres_database()
    call_command("migrate", interactive=False, verbosity=0)
    return data_dir


def _fresh_postgres_database() -> None:
    """Use a new database named after the configured one plus a suffix, dropped at exit."""
    import atexit

    from django.conf import settings
    from django.db import connection

    admin = settings.DATABASES["default"]["NAME"]
    name = f"{admin}_bench_{os.getpid()}"
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    _switch_database(name)

    def drop() -> None:
        _switch_database(admin)
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')

    atexit.register(drop)


def _switch_database(name: str) -> None:
    """Point the default connection at database ``name``, pool included, and check it.

    Closing the connection alone is not enough in server mode: the psycopg pool keeps
    connections to the old database and would hand them out again.
    """
    from django.conf import settings
    from django.db import connection

    connection.close()
    if hasattr(connection, "close_pool"):
        connection.close_pool()
    settings.DATABASES["default"]["NAME"] = name
    connection.settings_dict["NAME"] = name
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        current = cursor.fetchone()[0]
    if current != name:
        raise RuntimeError(f"benchmark meant to use database {name!r} but is on {current!r}")


def best_of(func: Callable[[], object], repeat: int = 5) -> float:
    """Median wall time of ``repeat`` runs of ``func`` (seconds)."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def report(
    bench: str,
    metric: str,
    value: float,
    baseline: str,
    baseline_value: float,
    unit: str,
    higher_is_better: bool = True,
    **extra,
) -> None:
    """Print the machine-readable result line (always the last line of a benchmark)."""
    ratio = value / baseline_value if higher_is_better else baseline_value / value
    print(
        json.dumps(
            {
                "bench": bench,
                "metric": metric,
                "value": round(value, 3),
                "baseline": baseline,
                "baseline_value": round(baseline_value, 3),
                "ratio": round(ratio, 2),
                "unit": unit,
                **extra,
            },
            ensure_ascii=False,
        )
    )
