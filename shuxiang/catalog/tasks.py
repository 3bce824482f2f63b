"""Background work: scheduled harvests of registered OAI-PMH sources (huey)."""

from __future__ import annotations

import datetime as dt
import logging

from django.db.models import Q
from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from shuxiang.catalog import sources
from shuxiang.catalog.models import Source
from shuxiang.core.actors import SYSTEM

log = logging.getLogger(__name__)


def due_sources(now: dt.datetime | None = None) -> list[Source]:
    """Enabled OAI sources never harvested, interrupted, or older than their interval."""
    now = now or timezone.now()
    candidates = Source.objects.filter(kind=Source.Kind.OAI, enabled=True).filter(
        Q(last_harvest_at__isnull=True) | ~Q(resumption_token="") | Q(last_harvest_at__lt=now)
    )
    return [
        s
        for s in candidates
        if s.last_harvest_at is None
        or s.resumption_token
        or s.last_harvest_at + dt.timedelta(hours=s.harvest_every_hours) <= now
    ]


@db_task(retries=3, retry_delay=60)
def harvest_source(key: str) -> None:
    sources.harvest_source(key, by=SYSTEM)


@db_periodic_task(crontab(minute="7"))
def harvest_due_sources() -> None:
    """Every hour: harvest what is due (an interrupted harvest resumes from its token)."""
    for source in due_sources():
        try:
            sources.harvest_source(source.key, by=SYSTEM)
        except Exception:
            log.exception("scheduled harvest of %s failed", source.key)
