"""JSON API of the campaigns (``/api/v1/activities/…``): campaigns, rankings, likes, review.

Public reads show what the public pages show (masked names, published works); likes need a
signed-in reader; like review is for staff of the hosting library's subtree.
"""

from __future__ import annotations

from ninja import Path, Query, Router

from shuxiang.activities import fraud, judges, likes, queries, services
from shuxiang.activities.models import Campaign
from shuxiang.activities.schemas import (
    MAX_ID,
    CampaignOut,
    DatesIn,
    DatesOut,
    FindingOut,
    JudgeIn,
    JudgeOut,
    JudgeSheetOut,
    LikeOut,
    RankingRowOut,
    ResultsOut,
    ScoreIn,
    ScoreOut,
    VoidIn,
    VoidOut,
)
from shuxiang.core.api import AUTH, ErrorOut, actor_of
from shuxiang.core.errors import PermissionDenied
from shuxiang.core.http import client_ip

router = Router(tags=["activities"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}
Slug = Path(..., max_length=60, pattern=r"^[-a-zA-Z0-9_]+$")
Token = Path(..., max_length=20, pattern=r"^[-a-zA-Z0-9_]+$")
Code = Path(..., max_length=8, pattern=r"^[0-9A-Fa-f]+$")


def _campaign_out(campaign: Campaign) -> dict:
    fields = CampaignOut.model_fields.keys() - {"library"}
    return {**{f: getattr(campaign, f) for f in fields}, "library": campaign.library.code}


@router.get(
    "/activities/campaigns",
    response={200: list[CampaignOut], **ERRORS},
    summary="Campaigns",
    auth=None,
)
def list_campaigns(request):
    return [_campaign_out(c) for c in Campaign.objects.select_related("library")[:200]]


@router.get(
    "/activities/campaigns/{slug}",
    response={200: CampaignOut, **ERRORS},
    summary="A campaign",
    auth=None,
)
def get_campaign(request, slug: str = Slug):
    return _campaign_out(queries.campaign(slug))


@router.get(
    "/activities/campaigns/{slug}/ranking",
    response={200: list[RankingRowOut], **ERRORS},
    summary="A leaderboard",
    auth=None,
)
def ranking(
    request,
    slug: str = Slug,
    age_group: str = Query("", max_length=20),
    library: int = Query(0, ge=0, le=MAX_ID),
    page: int = Query(1, ge=1, le=10_000),
    page_size: int = Query(50, ge=1, le=200),
):
    rows = queries.ranking(
        queries.campaign(slug),
        age_group=age_group,
        library_id=library or None,
        limit=page_size,
        offset=(page - 1) * page_size,
    )
    return [
        {
            "place": r["place"],
            "work": r["work"].token,
            "name": r["name"],
            "poem": r["work"].poem.title,
            "library": r["work"].library.code,
            "likes": r["likes"],
        }
        for r in rows
    ]


@router.get(
    "/activities/campaigns/{slug}/results",
    response={200: ResultsOut, **ERRORS},
    summary="The published results: places, prizes, masked names (nothing before publication)",
    auth=None,
)
def results(request, slug: str = Slug):
    campaign = queries.campaign(slug)
    rows = queries.published_results(campaign)
    return {
        "published": rows is not None,
        "results_on": campaign.results_on,
        "works": [
            {
                "place": r["place"],
                "prize": r["prize"],
                "work": r["work"].token,
                "name": r["name"],
                "poem": r["poem"],
                "library": r["work"].library.code,
            }
            for r in rows or []
        ],
    }


@router.post(
    "/activities/works/{token}/like",
    response={200: LikeOut, 409: ErrorOut, 429: ErrorOut, **ERRORS},
    summary="Like a work (once a Beijing day)",
    auth=AUTH,
)
def like(request, token: str = Token):
    actor = actor_of(request)
    work = queries.visible_work(token, actor)
    device = request.headers.get("X-Device-Id", "")[:64]
    counted = likes.like(work, by=actor, ip=client_ip(request), device=device)
    return {"counted": counted, "likes": work.like_count}


def _staff_campaign(request, slug: str) -> Campaign:
    """The campaign, for a signed-in account (the services check staff or judge rights)."""
    campaign = queries.campaign(slug)
    if not getattr(request.auth, "is_authenticated", False):
        raise PermissionDenied("Log in first.")
    return campaign


@router.get(
    "/activities/campaigns/{slug}/findings",
    response={200: list[FindingOut], **ERRORS},
    summary="Like-farming findings with evidence",
    auth=AUTH,
)
def findings(request, slug: str = Slug):
    return [
        {
            "kind": f.kind,
            "detail": str(f.detail),
            "accounts": f.accounts,
            "works": f.works,
            "windows": [list(w) for w in f.windows],
        }
        for f in fraud.detect(_staff_campaign(request, slug), by=request.auth)
    ]


@router.post(
    "/activities/campaigns/{slug}/void",
    response={200: VoidOut, **ERRORS},
    summary="Void (or restore) accounts' likes",
    auth=AUTH,
)
def void(request, payload: VoidIn, slug: str = Slug):
    campaign = _staff_campaign(request, slug)
    changed = fraud.void_likes(
        campaign, payload.accounts, reason=payload.reason, by=request.auth, undo=payload.undo
    )
    return {"likes": changed}


@router.post(
    "/activities/campaigns/{slug}/judges",
    response={200: JudgeOut, 409: ErrorOut, **ERRORS},
    summary="Appoint a judge (staff of the host library)",
    auth=AUTH,
)
def appoint_judge(request, payload: JudgeIn, slug: str = Slug):
    judge = judges.appoint(_staff_campaign(request, slug), payload.account, by=request.auth)
    return {"account": judge.account_id, "name": str(judge.account)}


@router.get(
    "/activities/campaigns/{slug}/judging",
    response={200: JudgeSheetOut, **ERRORS},
    summary="A judge's blind score sheet (codes, poems, recordings; no names or likes)",
    auth=AUTH,
)
def judge_sheet(request, slug: str = Slug):
    sheet = judges.sheet(_staff_campaign(request, slug), by=request.auth)
    return {
        "criteria": sheet.criteria,
        "scored": sheet.scored,
        "total": len(sheet.works),
        "works": [vars(w) for w in sheet.works],
    }


@router.put(
    "/activities/campaigns/{slug}/judging/{code}",
    response={200: ScoreOut, 409: ErrorOut, **ERRORS},
    summary="Score a shortlisted work by its blind code",
    auth=AUTH,
)
def score_work(request, payload: ScoreIn, slug: str = Slug, code: str = Code):
    row = judges.score_by_code(_staff_campaign(request, slug), code, payload.marks, by=request.auth)
    return {"code": code.upper(), "total": row.total}


@router.patch(
    "/activities/campaigns/{slug}/dates",
    response={200: DatesOut, **ERRORS},
    summary="Change phase dates (staff); guardians are told the new dates once",
    auth=AUTH,
)
def change_dates(request, payload: DatesIn, slug: str = Slug):
    campaign = _staff_campaign(request, slug)
    raw = {k: v for k, v in payload.dict().items() if v is not None}
    return {"changed": services.change_dates(campaign, raw, by=request.auth)}
