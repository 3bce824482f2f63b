"""Nightly analytics (每晚): every job in order on the embedded engine, failed jobs retried."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from shuxiang.analytics.services import run_nightly
from shuxiang.core.actors import SYSTEM


@db_periodic_task(crontab(hour="2", minute="30"))
def nightly_analytics() -> int:
    """Run every job; returns how many runs finished."""
    return sum(run.status == "done" for run in run_nightly("duckdb", by=SYSTEM) if run)
