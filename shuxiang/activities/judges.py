"""Judges (评委) of a campaign: appointment by the host's staff, the blind work list, results.

A judge sees each shortlisted work as a blind code, the poem and the recording: never the
child's name, the likes or the library.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from shuxiang.activities import judging
from shuxiang.activities.models import Campaign, Judge, Score, Work
from shuxiang.activities.services import notify, require_staff
from shuxiang.core import audit
from shuxiang.core.errors import Conflict, FieldError, NotFound, ValidationFailed
from shuxiang.core.http import ascii_int


def _account(identifier: str):
    """An account named by its user name or its number (NFKC, ASCII digits)."""
    text = unicodedata.normalize("NFKC", identifier or "").strip()
    users = get_user_model().objects.filter(is_active=True, erased_at__isnull=True)
    number = ascii_int(text, max_digits=12)
    found = users.filter(username=text[:150]).first() if text else None
    if found is None and number:
        found = users.filter(pk=number).first()
    if found is None:
        reason = _("No active account with this user name or number.")
        raise ValidationFailed.single("account", reason, "unknown")
    return found


def appoint(campaign: Campaign, identifier: str, *, by) -> Judge:
    """Staff of the host library appoint a reader or staff account as a judge."""
    require_staff(by, campaign, "appoint judges of")
    account = _account(identifier)
    try:
        with transaction.atomic():
            appointer = by if isinstance(by, get_user_model()) else None  # None: the system
            judge = Judge.objects.create(campaign=campaign, account=account, appointed_by=appointer)
            audit.record(by, "activities.appoint_judge", campaign, account=account.pk)
            notify(
                account,
                _("You are a judge of %(c)s") % {"c": campaign.title},
                link=f"/activities/{campaign.slug}/judge/",
            )
    except IntegrityError:
        raise Conflict.single("account", _("This account is already a judge."), "exists") from None
    return judge


@transaction.atomic
def dismiss(campaign: Campaign, account_id: int, *, by) -> None:
    require_staff(by, campaign, "dismiss judges of")
    deleted, _rows = Judge.objects.filter(campaign=campaign, account_id=account_id).delete()
    if not deleted:
        reason = _("This account is not a judge.")
        raise NotFound(reason, [FieldError("account", reason, "not_found")])
    audit.record(by, "activities.dismiss_judge", campaign, account=account_id)


@dataclass
class BlindWork:
    code: str
    poem: str
    audio: str
    marks: dict = field(default_factory=dict)
    total: float | None = None


@dataclass
class JudgeSheet:
    criteria: list[dict]
    works: list[BlindWork]

    @property
    def scored(self) -> int:
        return sum(1 for w in self.works if w.total is not None)


def _judged_works(campaign: Campaign):
    return (
        Work.objects.filter(campaign=campaign, shortlisted=True, disqualified_reason="")
        .select_related("poem")
        .order_by("id")
    )


def sheet(campaign: Campaign, *, by) -> JudgeSheet:
    """The judge's blind list: code, poem, recording and their own marks, nothing else."""
    judging.require_judge(by, campaign)
    own = {s.work_id: s for s in Score.objects.filter(work__campaign=campaign, judge=by)}
    works = []
    for work in _judged_works(campaign):
        code = judging.blind_code(work)
        mine = own.get(work.pk)
        works.append(
            BlindWork(
                code=code,
                poem=work.poem.title,
                audio=f"/activities/{campaign.slug}/judge/{code}/audio",
                marks=mine.marks if mine else {},
                total=mine.total if mine else None,
            )
        )
    return JudgeSheet(criteria=list(campaign.criteria), works=works)


def work_by_code(campaign: Campaign, code: str, *, by) -> Work:
    judging.require_judge(by, campaign)
    code = (code or "").strip().upper()
    for work in _judged_works(campaign):
        if judging.blind_code(work) == code:
            return work
    reason = _("No shortlisted work has this code.")
    raise NotFound(reason, [FieldError("code", reason, "not_found")])


def score_by_code(campaign: Campaign, code: str, marks: dict, *, by) -> Score:
    return judging.score(work_by_code(campaign, code, by=by), marks, by=by)


@transaction.atomic
def publish_results(campaign: Campaign, *, by) -> int:
    """Publish the results (公布结果); each guardian of a shortlisted work is told."""
    require_staff(by, campaign, "publish results of")
    if campaign.results_published:
        return 0
    campaign.results_published = True
    campaign.save(update_fields=["results_published"])
    audit.record(by, "activities.publish_results", campaign)
    told = set()
    for work in _judged_works(campaign).select_related("entrant__guardian"):
        guardian = work.entrant.guardian
        if guardian.pk not in told:
            told.add(guardian.pk)
            notify(
                guardian,
                _("The results of %(c)s are out") % {"c": campaign.title},
                link=f"/activities/{campaign.slug}/mine/",
            )
    return len(told)
