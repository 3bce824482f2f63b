"""The librarians' JSON API: create a course and a lecture, schedule it live, review keywords,
curate a branch site; each refused outside the caller's libraries with the field named."""

from __future__ import annotations

import pytest

from shuxiang.accounts.services import issue_api_token
from shuxiang.accounts.tests.factories import staff_of
from shuxiang.courses.tests.helpers import recorded_lecture, world

pytestmark = pytest.mark.django_db


def bearer(person) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(person, 'test')}"}


def test_a_librarian_builds_a_course_through_the_api(client):
    w = world()
    auth = bearer(staff_of(w["sx"], "librarian"))
    data = {"library": "330600", "title": "越地文化讲堂", "topics": ["classics"]}
    made = client.post("/api/v1/courses", data, content_type="application/json", **auth)
    assert made.status_code == 201 and made.json()["topics"][0]["code"] == "classics"
    course = made.json()["id"]
    lecture = client.post(f"/api/v1/courses/{course}/lectures", {"title": "第一讲"},
                          content_type="application/json", **auth)  # fmt: skip
    assert lecture.status_code == 201
    live = client.post(f"/api/v1/courses/lectures/{lecture.json()['id']}/live",
                       {"starts_at": "2030-05-01T19:00:00+08:00", "stream_url": "ftp://x"},
                       content_type="application/json", **auth)  # fmt: skip
    assert live.status_code == 400 and live.json()["errors"][0]["field"] == "stream_url"
    refused = client.post("/api/v1/courses", {"library": "NLC", "title": "x"},
                          content_type="application/json", **auth)  # fmt: skip
    assert refused.status_code == 403
    curated = client.post("/api/v1/courses/sites/330600/curation",
                          {"course": w["course"].pk, "choice": "hidden"},
                          content_type="application/json", **auth)  # fmt: skip
    assert curated.status_code == 204
    site = client.get("/api/v1/courses/sites/330600").json()
    assert [c["title"] for c in site["courses"]] == ["越地文化讲堂"]


def test_keywords_are_extracted_and_reviewed_through_the_api(client):
    w = world()
    lecture = recorded_lecture(w)
    auth = bearer(staff_of(w["nlc"], "librarian"))
    rows = client.post(f"/api/v1/courses/lectures/{lecture.pk}/keywords", **auth).json()
    assert rows and {"孔子", "论语"} <= {row["term"] for row in rows}
    one = rows[-1]
    answer = client.post(f"/api/v1/courses/keywords/{one['id']}/review", {"review": "rejected"},
                         content_type="application/json", **auth)  # fmt: skip
    assert answer.json()["review"] == "rejected"
    outsider = bearer(staff_of(w["gs"], "librarian"))
    again = client.post(f"/api/v1/courses/keywords/{one['id']}/review", {"review": "accepted"},
                        content_type="application/json", **outsider)  # fmt: skip
    assert again.status_code == 403
