"""The data migrations that move courses' and campaigns' own inbox rows into the shared inbox."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shuxiang.accounts.models import Message
from shuxiang.accounts.tests.migrating import migrate_to, migrate_to_latest

BEFORE = [
    ("accounts", "0010_shared_inbox_messages"),
    ("courses", "0001_courses_lectures_questions_and_keywords"),
    ("activities", "0003_encrypt_entrant_name_and_birth_year"),
]


@pytest.mark.django_db(transaction=True)
def test_old_inbox_rows_keep_reader_text_link_time_and_read_state():
    old = migrate_to(BEFORE)
    user = old.get_model("accounts", "User").objects.create(username="old-reader")
    sent = timezone.now() - dt.timedelta(days=3)
    course_row = old.get_model("courses", "Notification").objects.create(
        user=user, title="新讲座：第二讲", url="/courses/l/2/", read_at=sent
    )
    old.get_model("courses", "Notification").objects.filter(pk=course_row.pk).update(
        created_at=sent
    )
    campaign_row = old.get_model("activities", "Notice").objects.create(
        recipient=user, title="作品已入围", body="请留意评审结果", link="/activities/w/"
    )
    old.get_model("activities", "Notice").objects.filter(pk=campaign_row.pk).update(created=sent)
    migrate_to_latest()
    course = Message.objects.get(recipient_id=user.pk, source="courses")
    campaign = Message.objects.get(recipient_id=user.pk, source="activities")
    assert (course.title, course.link, course.created_at, course.read_at) == (
        "新讲座：第二讲", "/courses/l/2/", sent, sent,
    )  # fmt: skip
    assert (campaign.title, campaign.body, campaign.link, campaign.read_at) == (
        "作品已入围", "请留意评审结果", "/activities/w/", None,
    )  # fmt: skip
    assert campaign.created_at == sent
