"""Live questions: posting, moderation, the since-id polling answer and the event stream."""

from __future__ import annotations

import asyncio
import json

import pytest

from shuxiang.accounts.tests.factories import reader, staff_of
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import PermissionDenied
from shuxiang.courses import live, services
from shuxiang.courses.tests.helpers import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def lecture():
    w = world()
    found = services.add_lecture(w["course"], {"title": "直播"}, by=SYSTEM)
    found.network = w
    return found


def test_only_signed_in_viewers_ask_and_only_staff_moderate(lecture):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.post_question(lecture, "你好", by=AnonymousUser())
    asker = reader(lecture.network["sx"])
    question = services.post_question(lecture, "　ＡＢＣ１２３？ ", by=asker)
    assert question.text == "ABC123?" and question.seq == 1
    with pytest.raises(PermissionDenied):
        services.moderate(question, "hide", by=asker)
    with pytest.raises(PermissionDenied):
        services.moderate(question, "hide", by=staff_of(lecture.network["gs"], "librarian"))


def test_polling_returns_changes_after_a_sequence_number_and_hides_hidden_text(lecture, client):
    asker = reader(lecture.network["sx"])
    first = services.post_question(lecture, "第一问", by=asker)
    services.post_question(lecture, "第二问", by=asker)
    services.moderate(first, "hide", by=staff_of(lecture.network["nlc"], "librarian"))
    url = f"/api/v1/courses/lectures/{lecture.pk}/questions"
    assert [q["text"] for q in client.get(url).json()] == ["第二问"]
    changes = client.get(url + "?since=2").json()
    assert changes == [{"id": first.pk, "seq": 3, "state": "hidden", "name": "", "text": "",
                        "answered": False}]  # fmt: skip
    assert "第一问" not in client.get(lecture.get_absolute_url()).content.decode()


def test_asking_through_the_page_answers_json_for_the_script(lecture, client):
    client.force_login(reader(lecture.network["sx"]))
    answer = client.post(f"/courses/l/{lecture.pk}/ask", {"text": "提问"},
                         HTTP_ACCEPT="application/json")  # fmt: skip
    assert answer.status_code == 201 and answer.json()["text"] == "提问"
    empty = client.post(f"/courses/l/{lecture.pk}/ask", {"text": " "},
                        HTTP_ACCEPT="application/json")  # fmt: skip
    assert empty.status_code == 400 and empty.json()["errors"][0]["field"] == "text"


def test_the_hub_hands_a_published_event_to_every_viewer_of_the_lecture(settings):
    async def scenario():
        one, two = live.HUB.join(7), live.HUB.join(7)
        elsewhere = live.HUB.join(8)
        await asyncio.to_thread(live.HUB.deliver_soon, 7, live.encode({"seq": 1, "id": 1}))
        got = await asyncio.wait_for(asyncio.gather(one.get(), two.get()), 2)
        for queue, lecture in ((one, 7), (two, 7), (elsewhere, 8)):
            live.HUB.leave(lecture, queue)
        if live.HUB.listener is not None:  # server mode: the subscription ends with its viewers
            await asyncio.wait_for(live.HUB.listener, 3)
        return got, elsewhere.empty()

    got, untouched = asyncio.run(scenario())
    assert got[0] == got[1] and got[0].startswith(b"id: 1\nevent: question\n") and untouched
    assert json.loads(got[0].split(b"data: ")[1]) == {"seq": 1, "id": 1}
