"""Campaign likes and leaderboards (推广活动), in whichever mode the environment selects.

1. Likes/s sustained through the real service (``activities.likes.like``: phase and rate-limit
   checks, the once-a-Beijing-day unique insert, the valid-like counter, the leaderboard update
   — Redis sorted sets in server mode, the database's counter embedded — and the usage event),
   against the bare insert of the same rows (one ``Like`` row per transaction, nothing else),
   in the same run. Ratio = service rate / bare rate (1.0 would mean the extras are free).
2. Leaderboard read p95 at ``--works`` (100,000) works: one page of 50 of the campaign board,
   an age-group board and a library board, through the configured store; and the whole ranking
   page query (store + works + masked names). The practical limit beside it: fetching the same
   50 works by primary key.

Embedded: ``.venv/bin/python bench/activities.py``. Server mode: with
``SHUXIANG_DATABASE_URL`` and ``SHUXIANG_REDIS_URL`` set. Last line: JSON result.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from common import report, setup_django  # noqa: E402


def _world(works: int, readers: int):
    from django.conf import settings

    from shuxiang.accounts.models import User
    from shuxiang.activities import clock, services
    from shuxiang.activities.models import Entrant, Work
    from shuxiang.activities.poems import bundled
    from shuxiang.core.actors import SYSTEM
    from shuxiang.network import services as network

    settings.ACTIVITIES_LIKE_LIMITS = {"reader": 10**9, "ip": 10**9, "device": 10**9}
    settings.ACTIVITIES_BOARD_PREFIX = f"bench:{os.getpid()}:"
    root = network.create_library(
        {"code": "NLC", "name": "国家图书馆", "level": "national", "parent": None}, by=SYSTEM
    )
    branches = [
        network.create_library(
            {"code": f"B{n:03d}", "name": f"分馆{n}", "level": "county", "parent": "NLC"}, by=SYSTEM
        )
        for n in range(20)
    ]
    today, day = clock.beijing_day(), dt.timedelta(days=1)
    campaign = services.create_campaign(
        {
            "slug": "bench",
            "title": "bench",
            "age_groups": [
                {"code": "junior", "label": "junior", "min_age": 3, "max_age": 9},
                {"code": "senior", "label": "senior", "min_age": 10, "max_age": 14},
            ],
            "registration_start": today - day,
            "registration_end": today + day,
            "submission_start": today - day,
            "submission_end": today + day,
            "like_start": today - day,
            "like_end": today + 30 * day,
            "judging_end": today + 40 * day,
            "results_on": today + 41 * day,
        },
        library=root,
        poems=bundled()[:3],
        by=SYSTEM,
    )
    guardian = User.objects.create(username="bench-guardian")
    poem = campaign.poems.first()
    rng = random.Random(5)
    Entrant.objects.bulk_create(
        [
            Entrant(
                campaign=campaign,
                guardian=guardian,
                library=branches[n % 20],
                name=f"童{n}",
                birth_year=2017,
                age_group=("junior", "senior")[n % 2],
            )
            for n in range(works // 2)
        ],
        batch_size=5000,
    )
    entrants = list(
        Entrant.objects.filter(campaign=campaign).values_list("id", "library_id", "age_group")
    )
    Work.objects.bulk_create(
        [
            Work(
                campaign=campaign,
                entrant_id=e,
                poem=poem,
                age_group=g,
                library_id=lib,
                status=Work.Status.APPROVED,
                like_count=int(rng.paretovariate(1.2)) - 1,
                token=f"b{n:09d}",
            )
            for n, (e, lib, g) in enumerate(entrants * 2)
        ],
        batch_size=5000,
    )
    User.objects.bulk_create([User(username=f"bench-reader-{n}") for n in range(readers)])
    people = list(User.objects.filter(username__startswith="bench-reader-"))
    return campaign, branches, people


def _likes_per_second(campaign, people, count: int) -> tuple[float, float]:
    """(service likes/s, bare inserts/s) over the same (work, reader) pairs on two days."""
    from django.db import transaction

    from shuxiang.activities import clock, likes
    from shuxiang.activities.models import Like, Work

    rng = random.Random(9)
    chosen = Work.objects.filter(campaign=campaign).select_related("campaign", "library")
    works = list(chosen.order_by("?")[: count // 4])
    pairs = list({(rng.choice(works).pk, rng.choice(people).pk) for _ in range(count)})
    by_id = {w.pk: w for w in works}
    readers = {p.pk: p for p in people}
    now = clock.now()
    counted = 0
    start = time.perf_counter()
    for work_id, reader_id in pairs:
        counted += likes.like(
            by_id[work_id], by=readers[reader_id], ip="10.0.0.1", device="bench", at=now
        )
    service = len(pairs) / (time.perf_counter() - start)
    stored = Like.objects.filter(work__campaign=campaign, day=clock.beijing_day(now)).count()
    if not counted == stored == len(pairs):  # every distinct pair is one like, stored once
        raise SystemExit(f"service counted {counted}, stored {stored}, pairs {len(pairs)}")
    later = now + dt.timedelta(days=1)
    day = clock.beijing_day(later)
    start = time.perf_counter()
    for work_id, reader_id in pairs:
        with transaction.atomic():
            Like.objects.create(
                work_id=work_id,
                reader_id=reader_id,
                day=day,
                at=later,
                ip="10.0.0.1",
                device="bench",
            )
    bare = len(pairs) / (time.perf_counter() - start)
    return service, bare


def _p95(func, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append(time.perf_counter() - start)
    return statistics.quantiles(samples, n=20)[18] * 1000


def _reads(campaign, branches, repeat: int) -> dict[str, float]:
    from shuxiang.activities import queries
    from shuxiang.activities.boards import board
    from shuxiang.activities.models import Work

    store = board()
    store.rebuild(campaign.pk)
    rng = random.Random(3)
    top = [w for w, _ in store.top(campaign.pk, limit=50)]
    return {
        "campaign_p95_ms": _p95(
            lambda: store.top(campaign.pk, limit=50, offset=rng.randrange(0, 500)), repeat
        ),
        "age_group_p95_ms": _p95(
            lambda: store.top(campaign.pk, age_group="senior", limit=50), repeat
        ),
        "library_p95_ms": _p95(
            lambda: store.top(campaign.pk, library_id=rng.choice(branches).pk, limit=50), repeat
        ),
        "ranking_page_p95_ms": _p95(lambda: queries.ranking(campaign, limit=50), repeat),
        "pk_fetch_50_p95_ms": _p95(lambda: list(Work.objects.in_bulk(top).values()), repeat),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--works", type=int, default=100_000, help="Works on the board.")
    parser.add_argument("--likes", type=int, default=3000, help="Like attempts timed.")
    parser.add_argument("--readers", type=int, default=2000, help="Simulated readers.")
    parser.add_argument("--repeat", type=int, default=300, help="Reads timed per board.")
    args = parser.parse_args()
    setup_django()
    from django.conf import settings

    mode = "server" if settings.SERVER_MODE else "embedded"
    started = time.perf_counter()
    campaign, branches, people = _world(args.works, args.readers)
    print(
        f"{mode}: {args.works} works made in {time.perf_counter() - started:.1f} s "
        f"(board: {settings.ACTIVITIES_BOARD_BACKEND.rsplit('.', 1)[-1]}); "
        f"load {os.getloadavg()[0]:.2f}"
    )
    service, bare = _likes_per_second(campaign, people, args.likes)
    print(f"likes/s through the service {service:.0f}, bare inserts/s {bare:.0f}")
    reads = _reads(campaign, branches, args.repeat)
    for name, value in reads.items():
        print(f"{name}: {value:.2f}")
    report(
        "activities",
        f"likes_per_second_{mode}",
        service,
        "bare insert of the same rows",
        bare,
        "likes/s",
        works=args.works,
        **{k: round(v, 2) for k, v in reads.items()},
    )


if __name__ == "__main__":
    main()
