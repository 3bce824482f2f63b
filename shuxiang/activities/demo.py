"""The demo campaign: 童音诵古韵·经典有新声, hosted by the Zhejiang library for its subtree.

Model readings (范读) are the poems read by espeak-ng; the demo children's "recordings" are the
same voice at other speeds. Idempotent: nothing is added when the campaign exists.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable

from django.core.files.base import ContentFile
from django.db import transaction

from shuxiang.accounts.models import User
from shuxiang.activities import audio, clock, services
from shuxiang.activities.models import Campaign, Entrant, Event, Like, Poem, Work
from shuxiang.activities.poems import bundled
from shuxiang.core.actors import SYSTEM
from shuxiang.network.models import Library

SLUG = "tongyin-2026"
CHILDREN = ["王小萌", "李思远", "张一诺", "陈可欣", "刘子墨", "赵雨桐"]
AGE_GROUPS = [
    {"code": "junior", "label": "小学低年级（6-9岁）", "min_age": 3, "max_age": 9},
    {"code": "senior", "label": "小学高年级及初中（10-14岁）", "min_age": 10, "max_age": 14},
]
RULES = (
    "1. 6月1日至6月30日上传诵读作品，每位小朋友可上传多件。\n"
    "2. 点赞期内每位读者每天可为每件作品点赞一次。\n"
    "3. 点赞期结束后，每位小朋友点赞最多的两件作品进入评审（须至少获得一个有效点赞）。\n"
    "4. 恶意刷赞的作品取消参赛资格。"
)


def _dates(today: dt.date) -> dict:
    day = dt.timedelta(days=1)
    return {
        "registration_start": today - 10 * day,
        "registration_end": today + 20 * day,
        "submission_start": today - 10 * day,
        "submission_end": today + 20 * day,
        "like_start": today - 10 * day,
        "like_end": today + 35 * day,
        "judging_end": today + 45 * day,
        "results_on": today + 50 * day,
    }


def _readings(campaign: Campaign, say: Callable[[str], None]) -> None:
    for poem in campaign.poems.all():
        spoken = audio.spoken(poem.text.replace("\n", ""))
        if spoken is None:
            say("Demo campaign: espeak-ng missing, model readings skipped")
            return
        poem.model_reading.save(f"reading-{poem.pk}.ogg", ContentFile(spoken))


def _works(campaign: Campaign, guardian: User) -> list[Work]:
    made = []
    poems = list(campaign.poems.all()[:6])
    for index, name in enumerate(CHILDREN):
        entrant = Entrant.objects.create(
            campaign=campaign,
            guardian=guardian,
            library=guardian.home_library or campaign.library,
            name=name,
            birth_year=clock.beijing_day().year - 7 - index,
            age_group="junior" if index < 3 else "senior",
        )
        services.Consent.objects.create(
            entrant=entrant,
            guardian=guardian,
            given_at=clock.now(),
            statement=services.CONSENT_TEXT,
            statement_version=services.CONSENT_VERSION,
        )
        poem = poems[index % len(poems)]
        work = Work(
            campaign=campaign,
            entrant=entrant,
            poem=poem,
            age_group=entrant.age_group,
            library=entrant.library,
            status=Work.Status.APPROVED,
        )
        if poem.model_reading:
            work.audio.save(f"{work.token}.ogg", ContentFile(poem.model_reading.read()), save=False)
            work.seconds = 12
        work.save()
        made.append(work)
    return made


def _likes(works: list[Work]) -> None:
    rng = random.Random(18)
    fans = [User.objects.get_or_create(username=f"demo-fan-{n}")[0] for n in range(12)]
    now = clock.now()
    rows = []
    for work in works:
        for fan in rng.sample(fans, rng.randint(1, len(fans))):
            rows.append(Like(work=work, reader=fan, day=clock.beijing_day(now), at=now))
    Like.objects.bulk_create(rows, ignore_conflicts=True)
    for work in works:
        Work.objects.filter(pk=work.pk).update(like_count=work.likes.count())


@transaction.atomic
def load_demo_campaign(say: Callable[[str], None] = print) -> None:
    library = Library.objects.filter(code="330000").first()
    if library is None or Campaign.objects.filter(slug=SLUG).exists():
        return
    campaign = services.create_campaign(
        {
            "slug": SLUG,
            "title": "童音诵古韵·经典有新声",
            "rules": RULES,
            "age_groups": AGE_GROUPS,
            "criteria": [
                {"name": "pronunciation", "weight": 2},
                {"name": "expression", "weight": 1},
            ],
            **_dates(clock.beijing_day()),
        },
        library=library,
        poems=bundled(),
        by=SYSTEM,
    )
    _readings(campaign, say)
    guardian = User.objects.filter(username="demo-guardian").first() or User.objects.create(
        username="demo-guardian", home_library=Library.objects.filter(code="330681").first()
    )
    _likes(_works(campaign, guardian))
    Event.objects.create(
        library=library,
        title="亲子诗词诵读会",
        place="浙江图书馆少儿馆",
        starts_at=clock.now() + dt.timedelta(days=7),
        capacity=30,
    )
    transaction.on_commit(lambda: _rebuild(campaign.pk))
    count = Poem.objects.filter(campaign=campaign).count()
    say(f"Demo campaign: {campaign.title} with {count} poems")


def _rebuild(campaign_id: int) -> None:
    from shuxiang.activities.boards import board

    board().rebuild(campaign_id)
