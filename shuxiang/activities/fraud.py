"""Like-farming detection (刷赞) and voiding.

Three signals, each with its evidence (accounts, works, time windows) for staff:

- **lockstep groups** (after CopyCatch): two accounts are tied when they liked at least
  ``MIN_SHARED`` of the same works within ``WINDOW`` of each other; a connected group of at
  least ``MIN_GROUP`` tied accounts is a farm. Camouflage likes on random works do not hide
  a member, because only the shared, synchronised likes tie accounts.
- **bursts**: a work receiving ``BURST_LIKES`` likes within ``WINDOW``.
- **new accounts from one network or device**: ``CROWD`` accounts younger than ``NEW_DAYS``
  liking from one /24 network or one device.

Voiding marks likes void (reversible), recomputes counts, leaderboards and the shortlist.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext as _

from shuxiang.activities import clock
from shuxiang.activities.boards import board
from shuxiang.activities.models import Campaign, Like, Work
from shuxiang.activities.services import notify, require_staff
from shuxiang.core import audit
from shuxiang.core.errors import ValidationFailed

WINDOW = dt.timedelta(minutes=10)
MIN_SHARED = 3
MIN_GROUP = 5
BURST_LIKES = 25
NEW_DAYS = 7
CROWD = 10


@dataclass
class Finding:
    kind: str
    accounts: list[int] = field(default_factory=list)
    works: list[int] = field(default_factory=list)
    windows: list[tuple[dt.datetime, dt.datetime]] = field(default_factory=list)
    detail: str = ""


def _likes(campaign: Campaign):
    return Like.objects.filter(work__campaign=campaign, voided=False)


def _ties(rows: list[tuple[int, int, dt.datetime]]) -> dict[tuple[int, int], set[int]]:
    """(account, account) → works both liked within WINDOW of each other."""
    by_work: dict[int, list[tuple[dt.datetime, int]]] = defaultdict(list)
    for work_id, reader_id, at in rows:
        by_work[work_id].append((at, reader_id))
    shared: dict[tuple[int, int], set[int]] = defaultdict(set)
    for work_id, likes in by_work.items():
        likes.sort()
        start = 0
        for end, (at, reader) in enumerate(likes):
            while likes[start][0] < at - WINDOW:
                start += 1
            for _at, other in likes[start:end]:
                if other != reader:
                    shared[(min(reader, other), max(reader, other))].add(work_id)
    return shared


def _groups(shared: dict[tuple[int, int], set[int]]) -> list[set[int]]:
    parent: dict[int, int] = {}

    def root(a: int) -> int:
        while parent.setdefault(a, a) != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for (a, b), works in shared.items():
        if len(works) >= MIN_SHARED:
            parent[root(a)] = root(b)
    members: dict[int, set[int]] = defaultdict(set)
    for account in parent:
        members[root(account)].add(account)
    return [group for group in members.values() if len(group) >= MIN_GROUP]


def lockstep(campaign: Campaign) -> list[Finding]:
    rows = list(_likes(campaign).values_list("work_id", "reader_id", "at"))
    shared = _ties(rows)
    findings = []
    for group in _groups(shared):
        works = set().union(*(w for (a, b), w in shared.items() if a in group and b in group))
        times = [at for work_id, reader, at in rows if reader in group and work_id in works]
        window = (min(times), max(times)) if times else None
        findings.append(
            Finding(
                "lockstep",
                sorted(group),
                sorted(works),
                [window] if window else [],
                _("%(n)d accounts liked the same %(w)d works within minutes")
                % {"n": len(group), "w": len(works)},
            )
        )
    return findings


def bursts(campaign: Campaign) -> list[Finding]:
    findings = []
    heavy = _likes(campaign).values("work_id").annotate(n=Count("id")).filter(n__gte=BURST_LIKES)
    for row in heavy:
        times = sorted(
            _likes(campaign).filter(work_id=row["work_id"]).values_list("at", "reader_id")
        )
        start = 0
        for end in range(len(times)):
            while times[start][0] < times[end][0] - WINDOW:
                start += 1
            if end - start + 1 >= BURST_LIKES:
                readers = sorted({r for _t, r in times[start : end + 1]})
                findings.append(
                    Finding(
                        "burst",
                        readers,
                        [row["work_id"]],
                        [(times[start][0], times[end][0])],
                        _("%(n)d likes within 10 minutes") % {"n": end - start + 1},
                    )
                )
                break
    return findings


def _network(ip: str) -> str:
    try:
        return str(ipaddress.ip_network(f"{ip}/24", strict=False))
    except ValueError:
        return ""


def crowds(campaign: Campaign) -> list[Finding]:
    recent = clock.now() - dt.timedelta(days=NEW_DAYS)
    rows = (
        _likes(campaign)
        .filter(Q(reader__date_joined__gte=recent))
        .values_list("reader_id", "ip", "device", "work_id")
    )
    places: dict[str, tuple[set[int], set[int]]] = defaultdict(lambda: (set(), set()))
    for reader, ip, device, work_id in rows:
        for place in filter(
            None, (_network(ip) if ip else "", f"device:{device}" if device else "")
        ):
            places[place][0].add(reader)
            places[place][1].add(work_id)
    return [
        Finding(
            "crowd",
            sorted(readers),
            sorted(works),
            [],
            _("%(n)d new accounts liking from %(place)s") % {"n": len(readers), "place": place},
        )
        for place, (readers, works) in places.items()
        if len(readers) >= CROWD
    ]


def detect(campaign: Campaign, *, by) -> list[Finding]:
    """Every finding for ``campaign`` (staff of its library only)."""
    require_staff(by, campaign, "review likes of")
    return lockstep(campaign) + bursts(campaign) + crowds(campaign)


def recount(campaign: Campaign) -> None:
    """Counts from valid likes, then the leaderboards (and the shortlist when already drawn)."""
    valid = Count("likes", filter=Q(likes__voided=False))
    for work_id, count in (
        Work.objects.filter(campaign=campaign).annotate(n=valid).values_list("id", "n")
    ):
        Work.objects.filter(pk=work_id).exclude(like_count=count).update(like_count=count)
    if campaign.shortlisted_at:
        from shuxiang.activities.judging import draw_shortlist

        draw_shortlist(campaign, redraw=True)
    transaction.on_commit(lambda: board().rebuild(campaign.pk))


@transaction.atomic
def void_likes(
    campaign: Campaign, accounts: list[int], *, reason: str, by, undo: bool = False
) -> int:
    """Void (or restore) every like of ``accounts`` in the campaign; audited, reversible."""
    require_staff(by, campaign, "void likes in")
    if not reason.strip():
        raise ValidationFailed.single("reason", _("Say why the likes are voided."), "required")
    rows = Like.objects.filter(work__campaign=campaign, reader_id__in=accounts, voided=undo)
    changed = rows.update(voided=not undo, void_reason="" if undo else reason.strip()[:300])
    audit.record(
        by,
        "activities.restore_likes" if undo else "activities.void_likes",
        campaign,
        accounts=accounts,
        likes=changed,
        reason=reason,
    )
    recount(campaign)
    return changed


@transaction.atomic
def disqualify(work: Work, *, reason: str, by, undo: bool = False) -> Work:
    """Disqualify a work for like-farming (恶意刷赞), or requalify it; the guardian is told why."""
    require_staff(by, work.campaign, "disqualify works of")
    if not reason.strip():
        raise ValidationFailed.single("reason", _("Say why."), "required")
    work.disqualified_reason = "" if undo else reason.strip()[:300]
    work.shortlisted = False if not undo else work.shortlisted
    work.save(update_fields=["disqualified_reason", "shortlisted"])
    audit.record(
        by,
        "activities.requalify_work" if undo else "activities.disqualify_work",
        work,
        reason=reason,
    )
    title = (
        _("Your recording is back in the campaign") if undo else _("Your recording is disqualified")
    )
    notify(work.entrant.guardian, title, reason, f"/activities/works/{work.token}/")
    recount(work.campaign)
    return work
