"""Background work of the campaigns: shortlists when like periods end, event reminders."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(minute="*/10"))
def draw_due_shortlists() -> int:
    """Each child's top two works go to judging once the like period ended (Beijing day)."""
    from shuxiang.activities.judging import due_shortlists

    return due_shortlists()


@db_periodic_task(crontab(minute="*/15"))
def remind_event_readers() -> int:
    from shuxiang.activities.events import send_reminders

    return send_reminders()


@db_periodic_task(crontab(minute="*/10"))
def announce_phases() -> int:
    """Guardians hear when registration, submission, likes, judging or results open."""
    from shuxiang.activities.phases import announce_open_phases

    return announce_open_phases()
