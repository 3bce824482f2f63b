"""A campaign's phases (报名, 投稿, 点赞, 评审, 结果) and which are open on a Beijing day."""

from __future__ import annotations

import datetime as dt

from django.utils.translation import gettext_lazy as _

from shuxiang.activities.clock import beijing_day
from shuxiang.activities.models import Campaign
from shuxiang.core.errors import Conflict

PHASES = {
    "registration": (_("Registration"), "registration_start", "registration_end"),
    "submission": (_("Submission"), "submission_start", "submission_end"),
    "liking": (_("Likes"), "like_start", "like_end"),
    "judging": (_("Judging"), "like_end", "judging_end"),
    "results": (_("Results"), "results_on", "results_on"),
}
ORDER = [
    ("registration_start", "registration_end"),
    ("submission_start", "submission_end"),
    ("like_start", "like_end"),
    ("like_end", "judging_end"),
    ("judging_end", "results_on"),
]


def is_open(campaign: Campaign, phase: str, day: dt.date | None = None) -> bool:
    """True when ``day`` (today in Beijing by default) lies in ``phase``."""
    day = day or beijing_day()
    _label, first, last = PHASES[phase]
    if phase == "judging":
        return campaign.like_end < day <= campaign.judging_end
    if phase == "results":
        return day >= campaign.results_on
    return getattr(campaign, first) <= day <= getattr(campaign, last)


def require_open(campaign: Campaign, phase: str, field: str, day: dt.date | None = None) -> None:
    if not is_open(campaign, phase, day):
        label, first, last = PHASES[phase]
        reason = _("The %(phase)s phase runs from %(first)s to %(last)s (Beijing time).") % {
            "phase": label,
            "first": getattr(campaign, first),
            "last": getattr(campaign, last),
        }
        raise Conflict.single(field, str(reason), "phase_closed")


def timeline(campaign: Campaign, day: dt.date | None = None) -> list[dict]:
    """Every phase with its dates and whether it is open, for the campaign page."""
    return [
        {
            "code": code,
            "label": label,
            "first": getattr(campaign, first),
            "last": getattr(campaign, last),
            "open": is_open(campaign, code, day),
        }
        for code, (label, first, last) in PHASES.items()
    ]


def announce_open_phases() -> int:
    """Tell each campaign's guardians, once, that a phase has opened (in-site inbox, e-mail)."""
    from django.db import transaction

    from shuxiang.activities.services import notify

    sent = 0
    for campaign in Campaign.objects.all():
        fresh = [c for c in PHASES if is_open(campaign, c) and c not in campaign.announced_phases]
        if not fresh:
            continue
        with transaction.atomic():
            guardians = {e.guardian for e in campaign.entrants.select_related("guardian")}
            for code in fresh:
                title = _("%(campaign)s: the %(phase)s phase has begun") % {
                    "campaign": campaign.title,
                    "phase": PHASES[code][0],
                }
                for guardian in guardians:
                    sent += bool(notify(guardian, str(title), link=f"/activities/{campaign.slug}/"))
            campaign.announced_phases = [*campaign.announced_phases, *fresh]
            campaign.save(update_fields=["announced_phases"])
    return sent
