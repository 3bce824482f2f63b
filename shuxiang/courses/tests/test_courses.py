"""Courses, branch sites, the page and data interfaces, subscriptions and the inbox."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.utils import timezone

from shuxiang.accounts.models import Message
from shuxiang.accounts.tests.factories import reader, staff_of
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import PermissionDenied, ValidationFailed
from shuxiang.courses import services
from shuxiang.courses.tests.helpers import world

pytestmark = pytest.mark.django_db


@pytest.fixture
def w():
    return world()


def test_a_librarian_runs_courses_of_their_library_only(w):
    librarian = staff_of(w["sx"], "librarian")
    course = services.create_course(w["sx"], {"title": "越地文化讲堂"}, by=librarian)
    assert course.library == w["sx"]
    with pytest.raises(PermissionDenied):
        services.create_course(w["nlc"], {"title": "不是我的"}, by=librarian)


def test_bad_input_names_the_field(w):
    with pytest.raises(ValidationFailed) as error:
        services.create_course(w["nlc"], {"title": "  "}, by=SYSTEM)
    assert error.value.errors[0].field == "title"
    lecture = services.add_lecture(w["course"], {"title": "一讲"}, by=SYSTEM)
    with pytest.raises(ValidationFailed) as error:
        services.schedule_live(lecture, dt.datetime(2030, 1, 1), "", by=SYSTEM)
    assert error.value.errors[0].field == "starts_at"
    with pytest.raises(ValidationFailed) as error:
        services.schedule_live(lecture, timezone.now(), "javascript:alert(1)", by=SYSTEM)
    assert error.value.errors[0].field == "stream_url"


def test_branch_site_shows_the_centres_courses_not_hidden_and_its_own_pinned_first(w, client):
    own = services.create_course(w["sx"], {"title": "越地文化讲堂"}, by=SYSTEM)
    hidden = services.create_course(w["nlc"], {"title": "唐宋文学名家"}, by=SYSTEM)
    pinned = services.create_course(w["nlc"], {"title": "丝路文明"}, by=SYSTEM)
    librarian = staff_of(w["sx"], "librarian")
    services.curate(w["sx"], hidden, "hidden", by=librarian)
    services.curate(w["sx"], pinned, "pinned", by=librarian)
    page = client.get("/courses/site/330600/").content.decode()
    assert "越地文化讲堂" in page and "丝路文明" in page and "中华经典导读" in page
    assert "唐宋文学名家" not in page
    assert page.index("丝路文明") < page.index("越地文化讲堂") < page.index("中华经典导读")
    gansu = client.get("/courses/site/620000/").content.decode()
    assert "越地文化讲堂" not in gansu and "唐宋文学名家" in gansu
    with pytest.raises(PermissionDenied):
        services.curate(w["gs"], pinned, "hidden", by=librarian)
    data = client.get("/api/v1/courses/sites/330600").json()
    assert [c["title"] for c in data["courses"]][0] == "丝路文明"
    assert data["page_url"] == "/courses/embed/330600/" and own.pk in {
        c["id"] for c in data["courses"]
    }


def test_the_embeddable_page_may_be_framed_and_wears_the_branch_colours(w, client):
    w["sx"].branding = {"primary_color": "#ffee00"}
    w["sx"].save()
    answer = client.get("/courses/embed/330600/")
    assert answer.status_code == 200
    assert "X-Frame-Options" not in answer.headers
    assert "frame-ancestors *" in answer.headers["Content-Security-Policy"]
    assert "--accent:#" in answer.content.decode() and "#ffee00" not in answer.content.decode()
    other = client.get("/courses/site/330600/")
    assert other.headers["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in other.headers["Content-Security-Policy"]


def test_subscribers_hear_of_a_new_lecture_and_a_live_session_in_the_inbox_and_by_mail(
    w, client, django_capture_on_commit_callbacks
):
    follower = reader(w["sx"])
    follower.email = "reader@example.org"
    follower.save()
    by_topic = reader(w["sx"])
    services.subscribe("course", w["course"].pk, by=follower)
    services.subscribe("topic", w["topic"].pk, by=by_topic)
    services.subscribe("speaker", w["speaker"].pk, by=by_topic)  # told once, not twice
    with pytest.raises(ValidationFailed):
        services.subscribe("course", 999999, by=follower)
    with django_capture_on_commit_callbacks(execute=True):
        lecture = services.add_lecture(w["course"], {"title": "第二讲"}, by=SYSTEM)
        services.schedule_live(lecture, timezone.now() + dt.timedelta(days=1), "", by=SYSTEM)
    assert Message.objects.filter(recipient=follower, source="courses").count() == 2
    assert Message.objects.filter(recipient=by_topic, source="courses").count() == 2
    assert len(mail.outbox) == 2 and "第二讲" in mail.outbox[0].subject
    client.force_login(follower)
    page = client.get("/courses/inbox/").content.decode()
    assert "第二讲" in page and lecture.get_absolute_url() in page
    listed = client.get("/api/v1/courses/me/notifications").json()
    assert len(listed) == 2 and all(n["read"] for n in listed)


def test_subscribing_through_the_page_and_the_api(w, client):
    person = reader(w["sx"])
    client.force_login(person)
    client.post("/courses/subscribe", {"kind": "speaker", "target": w["speaker"].pk})
    answer = client.post(
        "/api/v1/courses/me/subscriptions", {"kind": "series", "target": 99999},
        content_type="application/json",
    )  # fmt: skip
    assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == "target"
    mine = client.get("/api/v1/courses/me/subscriptions").json()
    assert mine == [{"kind": "speaker", "target": w["speaker"].pk}]
    client.post("/courses/subscribe", {"kind": "course", "target": w["course"].pk})
    page = client.get("/courses/inbox/").content.decode()
    assert f"· {w['speaker'].name}" in page and f"· {w['course'].title}" in page


def test_unpublished_courses_are_hidden_from_pages_and_the_data_interface(w, client):
    w["course"].published = False
    w["course"].save()
    lecture = services.add_lecture(w["course"], {"title": "未发布"}, by=SYSTEM)
    assert client.get(f"/courses/c/{w['course'].pk}/").status_code == 404
    assert client.get(f"/courses/l/{lecture.pk}/").status_code == 404
    assert client.get(f"/api/v1/courses/lectures/{lecture.pk}").status_code == 404
    assert client.get(f"/courses/live/{lecture.pk}/events").status_code == 404
    assert "未发布" not in client.get("/courses/").content.decode()


def test_hostile_numbers_are_refused_cleanly(w, client):
    assert client.get("/api/v1/courses/99999999999999999999999").status_code in (400, 404)
    lecture = services.add_lecture(w["course"], {"title": "一讲"}, by=SYSTEM)
    answer = client.get(f"/api/v1/courses/lectures/{lecture.pk}/questions?since=１２")
    assert answer.status_code in (200, 400)
    assert (
        client.get(f"/api/v1/courses/lectures/{lecture.pk}/questions?since=-1").status_code == 400
    )
    assert client.get("/courses/topic/%00/").status_code == 404
    assert client.get("/courses/site/%00/").status_code == 404
    assert client.get("/api/v1/courses/sites/a%00b").status_code == 400  # NUL named
