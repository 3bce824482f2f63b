"""Shortlist (入围), blind judging (评审), results and certificates (证书).

At the end of the like period each child's two most-liked works with at least one valid like
go to judging. Judges see a work's code, poem and recording only: no name, no likes.
"""

from __future__ import annotations

import hashlib
import unicodedata
from pathlib import Path

from django.db import transaction
from django.db.models import Avg, Count, F
from django.utils.translation import gettext as _

from shuxiang.activities import clock
from shuxiang.activities.models import Campaign, Judge, Score, Work
from shuxiang.activities.services import notify, require_staff
from shuxiang.core import audit
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import Conflict, FieldError, PermissionDenied, ValidationFailed

PER_CHILD = 2
FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")


@transaction.atomic
def draw_shortlist(campaign: Campaign, *, redraw: bool = False) -> int:
    """Mark each entrant's top two works (≥ 1 valid like); idempotent; returns how many."""
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    if campaign.shortlisted_at and not redraw:
        return Work.objects.filter(campaign=campaign, shortlisted=True).count()
    before = set(
        Work.objects.filter(campaign=campaign, shortlisted=True).values_list("id", flat=True)
    )
    chosen: list[int] = []
    taken: dict[int, int] = {}
    eligible = Work.objects.filter(
        campaign=campaign, status=Work.Status.APPROVED, disqualified_reason="", like_count__gte=1
    ).order_by("entrant_id", "-like_count", "id")
    for work_id, entrant_id in eligible.values_list("id", "entrant_id"):
        if taken.get(entrant_id, 0) < PER_CHILD:
            taken[entrant_id] = taken.get(entrant_id, 0) + 1
            chosen.append(work_id)
    Work.objects.filter(campaign=campaign).exclude(pk__in=chosen).update(shortlisted=False)
    Work.objects.filter(pk__in=chosen).update(shortlisted=True)
    if not campaign.shortlisted_at:
        campaign.shortlisted_at = clock.now()
        campaign.save(update_fields=["shortlisted_at"])
    for work in Work.objects.filter(pk__in=set(chosen) - before).select_related(
        "entrant__guardian"
    ):
        notify(
            work.entrant.guardian,
            _("Your recording goes to judging"),
            link=f"/activities/works/{work.token}/",
        )
    audit.record(SYSTEM, "activities.draw_shortlist", campaign, works=len(chosen))
    return len(chosen)


def due_shortlists() -> int:
    """Campaigns whose like period ended (Beijing day) get their shortlist (huey task)."""
    today = clock.beijing_day()
    due = Campaign.objects.filter(like_end__lt=today, shortlisted_at__isnull=True)
    return sum(draw_shortlist(campaign) for campaign in due)


def blind_code(work: Work) -> str:
    return hashlib.sha256(f"sx-judge:{work.pk}:{work.token}".encode()).hexdigest()[:8].upper()


def _clean_marks(campaign: Campaign, marks: dict) -> dict[str, float]:
    cleaned = {}
    for criterion in campaign.criteria:
        name = criterion["name"]
        raw = unicodedata.normalize("NFKC", str(marks.get(name, ""))).strip()
        if not (raw.isascii() and raw.isdigit() and len(raw) <= 3 and int(raw) <= 100):
            reason = _("Give a whole number from 0 to 100.")
            raise ValidationFailed(reason, [FieldError(f"marks.{name}", reason, "invalid")])
        cleaned[name] = int(raw)
    return cleaned


def is_judge(by, campaign: Campaign) -> bool:
    return (
        bool(getattr(by, "pk", None))
        and Judge.objects.filter(campaign=campaign, account_id=by.pk).exists()
    )


def require_judge(by, campaign: Campaign) -> None:
    """Only accounts appointed as judges (评委) of the campaign score its works."""
    if not is_judge(by, campaign):
        raise PermissionDenied(_("Only the campaign's appointed judges score its works."))


@transaction.atomic
def score(work: Work, marks: dict, *, by) -> Score:
    """A judge's marks for a shortlisted work, weighted by the campaign's criteria."""
    require_judge(by, work.campaign)
    if not work.shortlisted or work.disqualified_reason:
        raise Conflict.single("work", _("Only shortlisted works are judged."), "not_shortlisted")
    cleaned = _clean_marks(work.campaign, marks)
    weights = {c["name"]: float(c.get("weight", 1)) for c in work.campaign.criteria}
    total = sum(cleaned[n] * weights[n] for n in cleaned) / (sum(weights.values()) or 1)
    row, _created = Score.objects.update_or_create(
        work=work, judge=by, defaults={"marks": cleaned, "total": round(total, 2)}
    )
    audit.record(by, "activities.score_work", work, marks=cleaned, total=row.total)
    return row


def results(campaign: Campaign) -> list[dict]:
    """Shortlisted works ranked by their judges' average total."""
    rows = (
        Work.objects.filter(campaign=campaign, shortlisted=True, disqualified_reason="")
        .annotate(average=Avg("scores__total"), judged=Count("scores"))
        .select_related("entrant", "poem")
        .order_by(F("average").desc(nulls_last=True), "id")  # unscored last on every database
    )
    return [
        {
            "work": w,
            "code": blind_code(w),
            "name": w.entrant.masked_name,
            "average": None if w.average is None else round(w.average, 2),
            "judged": w.judged,
            "prize": w.prize,
        }
        for w in rows
    ]


@transaction.atomic
def award(work: Work, prize: str, *, by) -> Work:
    """Record a prize (奖项) for a shortlisted work; an empty prize withdraws it."""
    require_staff(by, work.campaign, "award prizes of")
    if not work.shortlisted:
        raise Conflict.single("work", _("Only shortlisted works win prizes."), "not_shortlisted")
    prize = unicodedata.normalize("NFKC", prize or "").strip()
    if len(prize) > 100:
        raise ValidationFailed.single("prize", _("At most 100 characters."), "too_long")
    work.prize = prize
    work.save(update_fields=["prize"])
    audit.record(by, "activities.award_prize", work, prize=work.prize)
    if not work.prize:
        return work
    notify(
        work.entrant.guardian,
        _("Your recording won a prize"),
        work.prize,
        f"/activities/works/{work.token}/",
    )
    return work


def certificate(work: Work, *, by) -> bytes:
    """The prize certificate (获奖证书) as PDF, with the child's masked name only."""
    if getattr(by, "pk", None) != work.entrant.guardian_id:
        require_staff(by, work.campaign, "print certificates of")
    if not work.prize:
        raise PermissionDenied(_("Certificates are issued for prize-winning works."))
    from fpdf import FPDF

    pdf = FPDF(orientation="L", unit="mm", format=(148, 210))  # A5
    pdf.add_font("wqy", fname=str(FONT), collection_font_number=0)
    pdf.add_page()
    pdf.set_font("wqy", size=26)
    pdf.cell(0, 22, "荣誉证书", align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("wqy", size=15)
    lines = [
        f"{work.entrant.masked_name} 小朋友：",
        f"你诵读的《{work.poem.title}》在“{work.campaign.title}”中荣获 {work.prize}。",
        "特发此证，以资鼓励。",
        f"{work.campaign.library.name}",
        f"{clock.beijing_day():%Y年%m月%d日}",
    ]
    for line in lines:
        pdf.multi_cell(0, 11, line, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
