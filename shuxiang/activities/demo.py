"""The demo campaigns: 童音诵古韵·经典有新声, hosted by the Zhejiang library for its subtree.

This year's edition is open (registration, uploads, likes); last year's is over: shortlisted,
scored by the demo judge (``zj_judge``, a dedicated account, judge of both editions), prizes
awarded and the results published, so the public results page shows something.

Model readings (范读) are the poems read by espeak-ng; the demo children's "recordings" are the
same voice at other speeds; last year's edition copies this year's files. Idempotent: nothing is
added when the campaign exists.
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
PAST_SLUG = "tongyin-2025"
JUDGE = "zj_judge"
PRIZES = ["一等奖", "二等奖", "二等奖", "三等奖", "三等奖", "三等奖"]
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


def _past_dates(june_30: dt.date) -> dict:
    """Last year's edition: uploads to June 30, likes to July 5, results on July 20."""
    day = dt.timedelta(days=1)
    return {
        "registration_start": june_30 - 40 * day,
        "registration_end": june_30 - 10 * day,
        "submission_start": june_30 - 40 * day,
        "submission_end": june_30,
        "like_start": june_30 - 40 * day,
        "like_end": june_30 + 5 * day,
        "judging_end": june_30 + 15 * day,
        "results_on": june_30 + 20 * day,
    }


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


def _likes(works: list[Work], now: dt.datetime | None = None) -> None:
    rng = random.Random(18)
    fans = [User.objects.get_or_create(username=f"demo-fan-{n}")[0] for n in range(12)]
    now = now or clock.now()
    rows = []
    for work in works:
        for fan in rng.sample(fans, rng.randint(1, len(fans))):
            rows.append(Like(work=work, reader=fan, day=clock.beijing_day(now), at=now))
    Like.objects.bulk_create(rows, ignore_conflicts=True)
    for work in works:
        Work.objects.filter(pk=work.pk).update(like_count=work.likes.count())


def _campaign(library: Library, slug: str, title: str, dates: dict, poems: list) -> Campaign:
    data = {
        "slug": slug,
        "title": title,
        "rules": RULES,
        "age_groups": AGE_GROUPS,
        "criteria": [{"name": "pronunciation", "weight": 2}, {"name": "expression", "weight": 1}],
        **dates,
    }
    return services.create_campaign(data, library=library, poems=poems, by=SYSTEM)


def _judge(library: Library) -> User:
    """The demo judge (评委): a dedicated account, no staff role, password as every demo login."""
    from shuxiang.accounts.demo import DEMO_PASSWORD

    user, created = User.objects.get_or_create(
        username=JUDGE, defaults={"display_name": "演示评委", "home_library": library}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _last_year(library: Library, current: Campaign, guardian: User, judge: User) -> Campaign:
    """Last year's edition, over: shortlist drawn, scored by the judge, prizes, published."""
    from shuxiang.activities import judges, judging

    today = clock.beijing_day()
    anchor = today.replace(year=today.year - 1, month=6, day=30)
    readings = list(current.poems.all()[:6])
    title = "童音诵古韵·经典有新声（上届）"
    past = _campaign(library, PAST_SLUG, title, _past_dates(anchor), bundled()[:6])
    for poem, reading in zip(past.poems.all(), readings, strict=False):
        if reading.model_reading:
            content = ContentFile(reading.model_reading.read())
            poem.model_reading.save(f"reading-{poem.pk}.ogg", content)
    at = dt.datetime.combine(anchor, dt.time(12), tzinfo=dt.UTC)
    _likes(_works(past, guardian), now=at)
    judging.draw_shortlist(past)
    judges.appoint(past, JUDGE, by=SYSTEM)
    shortlisted = Work.objects.filter(campaign=past, shortlisted=True).order_by("id")
    for index, work in enumerate(shortlisted):
        marks = {"pronunciation": 95 - 4 * index, "expression": 90 - 3 * index}
        judging.score(work, marks, by=judge)
    for row, prize in zip(judging.results(past), PRIZES, strict=False):
        judging.award(row["work"], prize, by=SYSTEM)
    judges.publish_results(past, by=SYSTEM)
    return past


@transaction.atomic
def load_demo_campaign(say: Callable[[str], None] = print) -> None:
    from shuxiang.activities import judges

    library = Library.objects.filter(code="330000").first()
    if library is None or Campaign.objects.filter(slug=SLUG).exists():
        return
    today = clock.beijing_day()
    campaign = _campaign(library, SLUG, "童音诵古韵·经典有新声", _dates(today), bundled())
    _readings(campaign, say)
    guardian = User.objects.filter(username="demo-guardian").first() or User.objects.create(
        username="demo-guardian", home_library=Library.objects.filter(code="330681").first()
    )
    _likes(_works(campaign, guardian))
    judge = _judge(library)
    judges.appoint(campaign, JUDGE, by=SYSTEM)
    past = _last_year(library, campaign, guardian, judge)
    Event.objects.create(
        library=library,
        title="亲子诗词诵读会",
        place="浙江图书馆少儿馆",
        starts_at=clock.now() + dt.timedelta(days=7),
        capacity=30,
    )
    transaction.on_commit(lambda: [_rebuild(c.pk) for c in (campaign, past)])
    count = Poem.objects.filter(campaign=campaign).count()
    say(f"Demo campaign: {campaign.title} with {count} poems")
    say(f"Demo campaign judge: {JUDGE} (judge of {SLUG} and {PAST_SLUG}; password as the staff)")
    say(f"Demo campaign results published: /activities/{PAST_SLUG}/results/")


def _rebuild(campaign_id: int) -> None:
    from shuxiang.activities.boards import board

    board().rebuild(campaign_id)
