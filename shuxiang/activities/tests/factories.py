"""Test campaigns, entrants and works, built through the real services."""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
import subprocess

from shuxiang.accounts.models import Message
from shuxiang.activities import clock, services, works
from shuxiang.activities.models import Campaign, Entrant, Work
from shuxiang.activities.poems import bundled
from shuxiang.core.actors import SYSTEM

_numbers = itertools.count(1)
AGE_GROUPS = [
    {"code": "junior", "label": "6-9岁", "min_age": 3, "max_age": 9},
    {"code": "senior", "label": "10-14岁", "min_age": 10, "max_age": 14},
]
CRITERIA = [{"name": "pronunciation", "weight": 2}, {"name": "expression", "weight": 1}]


def campaign(library, *, poems: int = 3, liking: bool = True, **dates) -> Campaign:
    """A campaign whose registration, submission and like periods are open today (Beijing)."""
    today = clock.beijing_day()
    day = dt.timedelta(days=1)
    data = {
        "slug": f"poetry-{next(_numbers)}",
        "title": "童音诵古韵·经典有新声",
        "rules": "每位读者每天可为每件作品点赞一次。",
        "age_groups": AGE_GROUPS,
        "criteria": CRITERIA,
        "registration_start": today - 5 * day,
        "registration_end": today + 20 * day,
        "submission_start": today - 5 * day,
        "submission_end": today + 20 * day,
        "like_start": today - 5 * day if liking else today + 1 * day,
        "like_end": today + 40 * day,
        "judging_end": today + 50 * day,
        "results_on": today + 55 * day,
        "min_seconds": 1,
        **dates,
    }
    return services.create_campaign(data, library=library, poems=bundled()[:poems], by=SYSTEM)


def entrant(campaign: Campaign, guardian, name: str = "王小萌", birth_year: int | None = None):
    year = birth_year or clock.beijing_day().year - 8
    return services.register_entrant(
        campaign, name=name, birth_year=year, consent=True, by=guardian
    )


def tone(seconds: float = 2.0, frequency: int = 440, volume: float = 0.5) -> bytes:
    """A WAV tone made by ffmpeg (a stand-in for a child's voice)."""
    command = [
        shutil.which("ffmpeg"),
        "-v",
        "error",
        "-f",
        "lavfi",
        "-i",
        f"sine=frequency={frequency}:duration={seconds}",
        "-af",
        f"volume={volume}",
        "-f",
        "wav",
        "-",
    ]
    return subprocess.run(command, capture_output=True, check=True).stdout


def silence(seconds: float = 3.0) -> bytes:
    command = [
        shutil.which("ffmpeg"),
        "-v",
        "error",
        "-f",
        "lavfi",
        "-i",
        f"anullsrc=r=44100:cl=mono:d={seconds}",
        "-f",
        "wav",
        "-",
    ]
    return subprocess.run(command, capture_output=True, check=True).stdout


_TONE: dict = {}


def work(entrant: Entrant, poem=None, *, approve: bool = True) -> Work:
    """A submitted (and by default approved) recording."""
    if "wav" not in _TONE:
        _TONE["wav"] = tone(1.5)
    poem = poem or entrant.campaign.poems.first()
    made = works.submit(entrant, poem, _TONE["wav"], by=entrant.guardian)
    if approve:
        made = works.moderate(made, approve=True, by=SYSTEM)
    return made


def bare_work(entrant: Entrant, poem=None, **fields) -> Work:
    """A work row without audio processing (simulations with many works)."""
    return Work.objects.create(
        campaign=entrant.campaign,
        entrant=entrant,
        poem=poem or entrant.campaign.poems.first(),
        age_group=entrant.age_group,
        library=entrant.library,
        status=Work.Status.APPROVED,
        seconds=30,
        **fields,
    )


#: Messages the campaigns put in readers' inboxes (the shared inbox, 站内信).
NOTICES = Message.objects.filter(source="activities")
