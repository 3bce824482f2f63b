"""Background work of the node itself: running after-commit jobs and recovering lost ones."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

from shuxiang.core import jobs


@db_task()
def run_job(job_id: int) -> None:
    """Run one job (its retries are scheduled by ``jobs.run`` itself, with backoff)."""
    jobs.run(job_id)


@db_periodic_task(crontab(minute="*"))
def recover_jobs() -> int:
    """Every minute: enqueue jobs whose task never ran, re-open those whose worker died."""
    return jobs.recover()


@HUEY.on_startup()
def recover_jobs_at_start() -> None:
    """A starting worker first picks up what a crash left behind (no grace period)."""
    from django.db import close_old_connections

    try:
        jobs.recover(grace=0)
    finally:
        close_old_connections()
