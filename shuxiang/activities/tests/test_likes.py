"""Likes: once per reader per work per Beijing day, under any concurrency, in either mode."""

import datetime as dt

import pytest

from shuxiang.accounts.tests.factories import reader
from shuxiang.activities import likes
from shuxiang.activities.boards import board
from shuxiang.activities.clock import BEIJING
from shuxiang.activities.models import Like, Work
from shuxiang.activities.tests import factories
from shuxiang.activities.tests.concurrency import in_thread, shared_database, storm
from shuxiang.core.errors import Conflict, PermissionDenied
from shuxiang.network.tests.factories import small_network


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=BEIJING)


@pytest.mark.django_db(transaction=True)
def test_two_hundred_simultaneous_likes_by_one_reader_count_once_then_again_next_day():
    net = small_network()
    campaign = factories.campaign(net["zj"])
    work = factories.bare_work(factories.entrant(campaign, reader(net["zhuji"])))
    fan = reader(net["sx"])
    today = dt.datetime.now(BEIJING).date()
    with shared_database():
        outcomes = storm(200, lambda: likes.like(work, by=fan, at=_at(today, 9)))
        assert len(outcomes) == 200
        assert [o for o in outcomes if isinstance(o, Exception)] == []
        assert outcomes.count(True) == 1
        assert in_thread(lambda: Like.objects.filter(work=work, reader=fan).count()) == 1
        assert in_thread(lambda: Work.objects.get(pk=work.pk).like_count) == 1
        tomorrow = _at(today + dt.timedelta(days=1), 9)
        assert in_thread(lambda: likes.like(work, by=fan, at=tomorrow)) is True
        assert in_thread(lambda: Work.objects.get(pk=work.pk).like_count) == 2
        assert in_thread(lambda: board().top(campaign.pk))[0] == (work.pk, 2)


def test_the_beijing_day_not_the_utc_day_decides(net):
    campaign = factories.campaign(net["zj"])
    work = factories.bare_work(factories.entrant(campaign, reader(net["zhuji"])))
    fan = reader(net["sx"])
    today = dt.datetime.now(BEIJING).date()
    late_evening_utc = _at(today, 7).astimezone(dt.UTC)  # 07:00 Beijing = 23:00 UTC the day before
    assert likes.like(work, by=fan, at=late_evening_utc) is True
    assert likes.like(work, by=fan, at=_at(today, 23)) is False


def test_likes_need_a_signed_in_reader_and_the_like_period(net):
    from django.contrib.auth.models import AnonymousUser

    campaign = factories.campaign(net["zj"], liking=False)
    work = factories.bare_work(factories.entrant(campaign, reader(net["zhuji"])))
    with pytest.raises(PermissionDenied):
        likes.like(work, by=AnonymousUser())
    with pytest.raises(Conflict) as refused:
        likes.like(work, by=reader(net["sx"]))
    assert refused.value.errors[0].code == "phase_closed"


def _forget_rate_windows(reader_id: int) -> None:
    """Earlier tests may have used this id (ids are reused after rollback) in the same minute."""
    from shuxiang.activities import clock

    minute = int(clock.now().timestamp() // 60)
    likes.forget_windows([f"act:like-rate:reader:{reader_id}:{m}" for m in (minute, minute + 1)])


def test_rate_limits_per_reader_and_device(net, settings):
    settings.ACTIVITIES_LIKE_LIMITS = {"reader": 3, "ip": 100, "device": 100}
    campaign = factories.campaign(net["zj"])
    entrant = factories.entrant(campaign, reader(net["zhuji"]))
    works = [factories.bare_work(entrant) for _ in range(5)]
    fan = reader(net["sx"])
    _forget_rate_windows(fan.pk)
    for work in works[:3]:
        assert likes.like(work, by=fan, ip="10.1.1.1")
    with pytest.raises(likes.RateLimited) as refused:
        likes.like(works[3], by=fan, ip="10.1.1.1")
    assert refused.value.errors[0].field == "reader"


def test_leaderboards_by_campaign_age_group_and_library(net, django_capture_on_commit_callbacks):
    campaign = factories.campaign(net["zj"])
    young = factories.entrant(campaign, reader(net["zhuji"]), name="李小明")
    old = factories.entrant(campaign, reader(net["hz"]), name="赵大山", birth_year=2014)
    first, second = factories.bare_work(young), factories.bare_work(old)
    fans = [reader(net["sx"]) for _ in range(3)]
    with django_capture_on_commit_callbacks(execute=True):
        for fan in fans:
            likes.like(second, by=fan)
        likes.like(first, by=fans[0])
    assert board().top(campaign.pk) == [(second.pk, 3), (first.pk, 1)]
    assert board().top(campaign.pk, age_group="junior") == [(first.pk, 1)]
    assert board().top(campaign.pk, library_id=old.library_id) == [(second.pk, 3)]
