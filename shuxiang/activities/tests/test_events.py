"""Event registration (活动报名): capacity, waiting list in order, check-in with the QR card."""

import datetime as dt

import pytest
from django.utils import timezone

from shuxiang.accounts.cards import issue_card_token
from shuxiang.accounts.tests.factories import reader, staff_of
from shuxiang.activities import events
from shuxiang.activities.models import Event, Registration
from shuxiang.activities.tests.concurrency import in_thread, shared_database, storm
from shuxiang.activities.tests.factories import NOTICES
from shuxiang.core.errors import Conflict
from shuxiang.network.tests.factories import small_network

Status = Registration.Status


def _event(library, capacity=2) -> Event:
    return Event.objects.create(
        library=library,
        title="亲子诵读会",
        place="少儿阅览室",
        starts_at=timezone.now() + dt.timedelta(hours=20),
        capacity=capacity,
    )


def test_cancellations_promote_the_waiting_list_in_order(net):
    event = _event(net["zhuji"])
    people = [reader(net["zhuji"]) for _ in range(5)]
    rows = [events.register(event, by=person) for person in people]
    assert [r.status for r in rows] == [Status.CONFIRMED] * 2 + [Status.WAITING] * 3
    assert events.cancel(event, by=people[0]).reader == people[2]
    assert events.cancel(event, by=people[1]).reader == people[3]
    assert NOTICES.filter(recipient=people[2]).exists()
    confirmed = Registration.objects.filter(event=event, status=Status.CONFIRMED)
    assert {r.reader for r in confirmed} == {people[2], people[3]}
    event.refresh_from_db()
    assert event.confirmed_count == 2


def test_reminders_go_once_to_confirmed_readers(net):
    event = _event(net["zhuji"], capacity=1)
    first, second = reader(net["zhuji"]), reader(net["zhuji"])
    events.register(event, by=first)
    events.register(event, by=second)
    assert events.send_reminders() == 1
    assert events.send_reminders() == 0
    assert NOTICES.filter(recipient=first, title__contains="亲子诵读会").count() == 1


def test_check_in_by_scanning_the_readers_card(net):
    event = _event(net["zhuji"])
    person = reader(net["zhuji"])
    events.register(event, by=person)
    token = issue_card_token(person, by=person).value
    row = events.check_in(event, token, by=staff_of(net["zhuji"], "librarian"))
    assert row.checked_in_at
    with pytest.raises(Conflict) as replay:
        events.check_in(event, token, by=staff_of(net["zhuji"], "librarian"))
    assert replay.value.errors[0].code == "replayed"


@pytest.mark.django_db(transaction=True)
def test_capacity_is_never_exceeded_under_concurrent_registrations():
    net = small_network()
    event = _event(net["zhuji"], capacity=5)
    people = [reader(net["zhuji"], real_name=False) for _ in range(30)]
    queue = list(people)
    with shared_database():
        outcomes = storm(30, lambda: events.register(event, by=queue.pop()).status)
        assert [o for o in outcomes if isinstance(o, Exception)] == []
        assert outcomes.count(Status.CONFIRMED) == 5
        confirmed = in_thread(
            lambda: Registration.objects.filter(event=event, status=Status.CONFIRMED).count()
        )
        assert confirmed == 5
        assert in_thread(lambda: Event.objects.get(pk=event.pk).confirmed_count) == 5
