"""Background work of the operations platform: rollups every five minutes, checks every minute.

Both are restartable: a rollup re-aggregates whatever days are stale, a check is one probe.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from shuxiang.core.actors import SYSTEM
from shuxiang.stats import events
from shuxiang.stats.monitoring import check_platforms
from shuxiang.stats.rollup import run_rollup


@db_periodic_task(crontab(minute="*/5"))
def rollup_usage() -> str:
    events.flush()
    return run_rollup(by=SYSTEM).summary()


@db_periodic_task(crontab(minute="*"))
def check_availability() -> int:
    return len(check_platforms(by=SYSTEM))
