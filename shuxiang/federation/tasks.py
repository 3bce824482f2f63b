"""Scheduled federation work (huey periodic tasks; each part adds its own below a banner)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

# --- harvest (fed-harvest) ---


@db_periodic_task(crontab(minute="17"))
def harvest_children() -> None:
    """Every hour: harvest each approved child's changes (an interrupted harvest resumes)."""
    from shuxiang.federation import harvest

    harvest.harvest_children()
