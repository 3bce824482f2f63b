"""Read side of the campaigns: what the public, guardians and staff see."""

from __future__ import annotations

from django.db.models import Avg, F, QuerySet

from shuxiang.accounts import inbox
from shuxiang.accounts.models import Message
from shuxiang.activities.boards import board
from shuxiang.activities.models import Campaign, Entrant, Work
from shuxiang.core.errors import FieldError, NotFound
from shuxiang.network import scopes


def campaign(slug: str) -> Campaign:
    found = Campaign.objects.select_related("library").filter(slug=slug).first()
    if found is None:
        reason = "No campaign with this short name."
        raise NotFound(reason, [FieldError("slug", reason, "not_found")])
    return found


def visible_work(token: str, viewer) -> Work:
    """A work by its share token: approved ones for everyone, others for guardian and staff."""
    work = (
        Work.objects.select_related("campaign__library", "entrant", "poem", "library")
        .filter(token=token)
        .first()
    )
    if work and (work.status == Work.Status.APPROVED or can_see_unpublished(work, viewer)):
        return work
    reason = "No published work with this link."
    raise NotFound(reason, [FieldError("token", reason, "not_found")])


def can_see_unpublished(work: Work, viewer) -> bool:
    if getattr(viewer, "pk", None) == work.entrant.guardian_id:
        return True
    return scopes.covers(viewer, work.campaign.library, role=scopes.Role.LIBRARIAN)


def ranking(
    campaign: Campaign,
    *,
    age_group: str = "",
    library_id: int | None = None,
    limit: int = 50,
    offset: int = 0,
) -> list[dict]:
    """One leaderboard page: the works with masked names and their valid likes."""
    top = board().top(
        campaign.pk, age_group=age_group, library_id=library_id, limit=limit, offset=offset
    )
    works = (
        Work.objects.select_related("entrant", "poem", "library")
        .defer("entrant__name_enc", "entrant__birth_year_enc")  # the masked name is stored
        .in_bulk([w for w, _ in top])
    )
    rows = []
    for place, (work_id, likes) in enumerate(top, start=offset + 1):
        work = works.get(work_id)
        if work is not None:
            rows.append(
                {"place": place, "work": work, "likes": likes, "name": work.entrant.masked_name}
            )
    return rows


def published_results(campaign: Campaign) -> list[dict] | None:
    """The public results (获奖名单): None until staff publish them.

    Ranked works (approved, shortlisted, not disqualified) with place, prize, the child's
    masked name, library and poem: no judges' marks, no codes, no like counts.
    """
    if not campaign.results_published:
        return None
    rows = (
        Work.objects.filter(
            campaign=campaign,
            shortlisted=True,
            disqualified_reason="",
            status=Work.Status.APPROVED,
        )
        .annotate(average=Avg("scores__total"))
        .select_related("entrant", "poem", "library")
        .order_by(F("average").desc(nulls_last=True), "id")
    )
    return [
        {
            "place": place,
            "work": work,
            "prize": work.prize,
            "name": work.entrant.masked_name,
            "library": work.library.name,
            "poem": work.poem.title,
        }
        for place, work in enumerate(rows, start=1)
    ]


def entrants_of(guardian, campaign: Campaign) -> QuerySet[Entrant]:
    return Entrant.objects.filter(guardian=guardian, campaign=campaign, erased_at__isnull=True)


def works_of(guardian, campaign: Campaign) -> QuerySet[Work]:
    return Work.objects.filter(entrant__guardian=guardian, campaign=campaign).select_related(
        "poem", "entrant"
    )


def notices(reader) -> QuerySet[Message]:
    """The reader's campaign and event messages (from the shared inbox)."""
    return inbox.messages_of(reader, source="activities", limit=50)
