"""Beijing calendar days (北京时间): the like period and 'once a day' are counted in them."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

BEIJING = ZoneInfo("Asia/Shanghai")


def now() -> dt.datetime:
    return timezone.now()


def beijing_day(at: dt.datetime | None = None) -> dt.date:
    """The calendar day in Beijing at ``at`` (now when omitted)."""
    return (at or now()).astimezone(BEIJING).date()
