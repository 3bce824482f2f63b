"""Scheduled federation work (huey periodic tasks).

Reports to the parent node: figures every 15 minutes, a heartbeat every 2 minutes; both do
nothing on a node without an approved parent, and both are safe to repeat (a push sends only
days the parent has not acknowledged, a heartbeat replaces the previous one). Harvests of the
children: every hour.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from shuxiang.federation import figures, health
from shuxiang.federation.models import Node


@db_periodic_task(crontab(minute="*/15"))
def push_figures_up() -> str:
    if Node.parent() is None:
        return "no parent"
    return figures.push_figures().summary()


@db_periodic_task(crontab(minute="*/2"))
def heartbeat_up() -> str:
    if Node.parent() is None:
        return "no parent"
    return str(health.send_heartbeat())


# --- harvest (fed-harvest) ---


@db_periodic_task(crontab(minute="17"))
def harvest_children() -> None:
    """Every hour: harvest each approved child's changes (an interrupted harvest resumes)."""
    from shuxiang.federation import harvest

    harvest.harvest_children()
