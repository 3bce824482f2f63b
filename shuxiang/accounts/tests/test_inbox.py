"""The shared in-site inbox (站内信): every subsystem delivers, the reader reads in one place."""

from __future__ import annotations

import json

import pytest
from django.core import mail

from shuxiang.accounts import inbox, privacy
from shuxiang.accounts.models import Message
from shuxiang.accounts.services import issue_api_token
from shuxiang.accounts.tests.factories import READER_PASSWORD, reader
from shuxiang.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def bearer(person) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(person, 'test')}"}


def test_delivery_reaches_each_reader_once_and_mails_those_with_an_address(
    django_capture_on_commit_callbacks,
):
    with_mail, without = reader(), reader()
    with_mail.email = "reader@example.org"
    with_mail.save()
    with django_capture_on_commit_callbacks(execute=True):
        made = inbox.deliver(
            [with_mail, without, with_mail], "新讲座", source="courses", link="/c/1/"
        )
    assert len(made) == 2
    assert Message.objects.filter(recipient=with_mail).count() == 1
    assert [m.to for m in mail.outbox] == [["reader@example.org"]]
    assert "/c/1/" in mail.outbox[0].body and mail.outbox[0].subject == "新讲座"


def test_delivery_refuses_bad_fields_by_name():
    person = reader()
    with pytest.raises(ValidationFailed) as refused:
        inbox.deliver([person], " ", source="courses")
    assert refused.value.errors[0].field == "title"
    with pytest.raises(ValidationFailed) as refused:
        inbox.deliver([person], "标题", source="courses", link="https://evil.example/")
    assert refused.value.errors[0].field == "link"
    with pytest.raises(ValidationFailed) as refused:
        inbox.deliver([person], "标题", source="")
    assert refused.value.errors[0].field == "source"
    assert not Message.objects.exists()


def test_an_erased_account_receives_nothing_and_loses_its_messages():
    person = reader()
    inbox.deliver([person], "活动开始", source="activities")
    privacy.erase_account(person, READER_PASSWORD, by=person)
    assert not Message.objects.filter(recipient=person).exists()
    person.refresh_from_db()
    assert inbox.deliver([person], "再来一条", source="activities") == []


def test_the_page_shows_every_source_marks_read_and_the_header_counts_unread(client):
    person, other = reader(), reader()
    inbox.deliver([person], "第二讲已发布", source="courses", link="/courses/l/1/")
    inbox.deliver([person], "作品已入围", source="activities", body="请留意评审结果")
    inbox.deliver([other], "别人的消息", source="courses")
    client.force_login(person)
    home = client.get("/accounts/me/").content.decode()
    assert 'class="badge">2<' in home
    page = client.get("/accounts/me/inbox/").content.decode()
    assert "第二讲已发布" in page and "作品已入围" in page and "请留意评审结果" in page
    assert "别人的消息" not in page
    assert 'class="unread"' in page
    assert 'class="badge"' not in client.get("/accounts/me/").content.decode()
    assert inbox.unread_count(person) == 0 and inbox.unread_count(other) == 1


def test_the_inbox_page_needs_a_signed_in_reader(client):
    answer = client.get("/accounts/me/inbox/")
    assert answer.status_code == 302 and "/accounts/login/" in answer["Location"]


def test_the_api_lists_filters_by_source_and_marks_read(client):
    person = reader()
    inbox.deliver([person], "第二讲已发布", source="courses")
    inbox.deliver([person], "作品已入围", source="activities")
    listed = client.get("/api/v1/accounts/me/inbox", **bearer(person)).json()
    assert listed["unread"] == 2 and [m["title"] for m in listed["messages"]] == [
        "作品已入围",
        "第二讲已发布",
    ]
    only = client.get("/api/v1/accounts/me/inbox?source=courses", **bearer(person)).json()
    assert [m["source"] for m in only["messages"]] == ["courses"]
    marked = client.post("/api/v1/accounts/me/inbox/read?source=courses", **bearer(person))
    assert marked.json() == {"marked": 1}
    assert client.get("/api/v1/accounts/me/inbox", **bearer(person)).json()["unread"] == 1
    assert client.get("/api/v1/accounts/me/inbox").status_code == 401


def test_the_download_of_my_data_holds_my_messages(client):
    person = reader()
    inbox.deliver([person], "活动开始", source="activities", body="六月一日起上传")
    client.force_login(person)
    data = json.loads(client.get("/accounts/me/download/").content)
    assert data["messages"][0]["title"] == "活动开始"
    assert data["messages"][0]["body"] == "六月一日起上传"
