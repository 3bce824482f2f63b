"""A simulated like period: honest readers with a popularity skew, and a like farm (刷赞).

Rows are written in bulk (history, not requests): the detector reads stored likes only.
"""

from __future__ import annotations

import datetime as dt
import random

from shuxiang.accounts.models import User
from shuxiang.activities.clock import BEIJING
from shuxiang.activities.models import Entrant, Like, Work
from shuxiang.activities.tests import factories

DAYS = 30


def _people(prefix: str, count: int, joined: dt.datetime) -> list[User]:
    User.objects.bulk_create(
        [User(username=f"{prefix}{n}", date_joined=joined) for n in range(count)]
    )
    return list(User.objects.filter(username__startswith=prefix).order_by("pk"))


def _works(campaign, guardian, count: int) -> list[Work]:
    works = []
    for n in range(count // 2):
        entrant = Entrant.objects.create(
            campaign=campaign,
            guardian=guardian,
            library=campaign.library,
            name=f"童{n}",
            birth_year=2017,
            age_group="junior",
        )
        works += [factories.bare_work(entrant), factories.bare_work(entrant)]
    return works


def simulate(
    campaign,
    guardian,
    *,
    honest: int = 1000,
    farm: int = 30,
    works: int = 200,
    targets: int = 4,
    seed: int = 7,
) -> dict:
    """Store the likes; return the farm's accounts and target works and the honest likes."""
    rng = random.Random(seed)
    start = dt.datetime.combine(campaign.like_start, dt.time(8), tzinfo=BEIJING)
    now = dt.datetime.now(dt.UTC)
    readers = _people("honest", honest, now - dt.timedelta(days=90))
    farmers = _people("farm", farm, now - dt.timedelta(days=2))
    entries = _works(campaign, guardian, works)
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(entries))]
    rows: dict[tuple, Like] = {}

    def add(work: Work, reader: User, at: dt.datetime, ip: str, device: str) -> None:
        day = at.astimezone(BEIJING).date()
        rows.setdefault(
            (work.pk, reader.pk, day),
            Like(work=work, reader=reader, day=day, at=at, ip=ip, device=device),
        )

    for reader in readers:
        ip, device = (
            f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
            f"d{reader.pk}",
        )
        for work in rng.choices(entries, weights, k=rng.randint(3, 15)):
            add(
                work,
                reader,
                start + dt.timedelta(minutes=rng.uniform(0, DAYS * 24 * 60)),
                ip,
                device,
            )
    honest_likes = dict(rows)
    chosen = entries[-targets:]  # unpopular works the farm pushes up
    for day in range(5):
        for n, work in enumerate(chosen):
            moment = start + dt.timedelta(days=day, hours=13, minutes=20 * n)
            for farmer in farmers:
                add(
                    work,
                    farmer,
                    moment + dt.timedelta(seconds=rng.uniform(0, 240)),
                    f"172.16.5.{rng.randrange(1, 255)}",
                    f"farm{farmer.pk % 3}",
                )
    for farmer in farmers:  # camouflage: likes on random works at random times
        for work in rng.sample(entries, 6):
            add(
                work,
                farmer,
                start + dt.timedelta(minutes=rng.uniform(0, DAYS * 24 * 60)),
                "172.16.5.9",
                f"farm{farmer.pk % 3}",
            )
    Like.objects.bulk_create(rows.values(), batch_size=2000)
    return {
        "farm": {f.pk for f in farmers},
        "targets": {w.pk for w in chosen},
        "honest_counts": _counts(honest_likes.values()),
        "works": entries,
    }


def _counts(likes) -> dict[int, int]:
    counts: dict[int, int] = {}
    for like in likes:
        counts[like.work_id] = counts.get(like.work_id, 0) + 1
    return counts


def ranking(counts: dict[int, int], works: list[Work], top: int = 20) -> list[int]:
    return sorted((w.pk for w in works), key=lambda pk: (-counts.get(pk, 0), pk))[:top]
