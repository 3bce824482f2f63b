"""Refusals in the resources app reach COUNTER as access denials (TR_B2, TR_J2, DR_D2, masters):
a reader kept out by the access policy is No_License, one over the daily quota Limit_Exceeded —
every answer validated against COUNTER's official JSON schemas."""

from __future__ import annotations

import pytest
from django.utils import timezone

from shuxiang.accounts.services import issue_api_token
from shuxiang.accounts.tests.factories import admin_of
from shuxiang.resources.tests.helpers import pdf_bytes, published, upload
from shuxiang.stats import events
from shuxiang.stats.counter import sushi
from shuxiang.stats.counter.schema import errors
from shuxiang.stats.counter.views import VIEWS
from shuxiang.stats.tests.counter_data import resources

DENIED = "No_License|Limit_Exceeded"
REQUESTED = "Total_Item_Requests|Unique_Item_Requests"


@pytest.fixture
def key(net):
    return issue_api_token(admin_of(net["zj"]), "sushi")


@pytest.fixture
def this_month_complete(monkeypatch):
    """Pretend the current month is over, so the events recorded just now may be reported."""
    today = timezone.localdate()
    end = (today.replace(day=28) + timezone.timedelta(days=4)).replace(day=1)
    monkeypatch.setattr(sushi, "last_complete_month", lambda: end - timezone.timedelta(days=1))
    return f"{today:%Y-%m}"


def report(client, key, month, report_id, **params):
    query = {"customer_id": "330000", "api_key": key, "begin_date": month, "end_date": month}
    response = client.get(f"/sushi/r5/reports/{report_id}", {**query, **params})
    assert response.status_code == 200, response.content
    body = response.json()
    assert errors(body, VIEWS[report_id].report_id) == []
    return body


def performance(body, title: str) -> dict:
    """Metric → total count of the report item named ``title`` (title or database level)."""
    found: dict[str, int] = {}
    for entry in body["Report_Items"]:
        if title in (entry.get("Title"), entry.get("Database")):
            for block in entry["Attribute_Performance"]:
                for metric, months in block["Performance"].items():
                    found[metric] = found.get(metric, 0) + sum(months.values())
    return found


def test_an_anonymous_reader_refused_a_registered_only_ebook_is_no_license(
    client, net, key, this_month_complete
):
    made = resources(net)
    response = client.get(made["nh"].get_absolute_url())  # 呐喊: registered readers only
    assert response.status_code == 200
    assert "Log in" in response.content.decode() or "登录" in response.content.decode()
    client.get(made["hlm"].get_absolute_url())  # 红楼梦 is public: a view, not a denial
    events.flush()
    body = report(client, key, this_month_complete, "tr_b2")
    assert performance(body, "呐喊") == {"No_License": 1, "Limit_Exceeded": 0}
    assert performance(body, "红楼梦") == {}
    master = report(client, key, this_month_complete, "tr", metric_type=DENIED)
    assert performance(master, "呐喊") == {"No_License": 1, "Limit_Exceeded": 0}
    assert performance(master, "红楼梦") == {}
    databases = report(client, key, this_month_complete, "dr_d2")
    assert performance(databases, "ebook") == {"No_License": 1, "Limit_Exceeded": 0}


def test_a_journal_issue_refused_off_its_library_is_no_license_in_tr_j2(
    client, net, key, this_month_complete
):
    made = resources(net)
    client.get(made["j24"].get_absolute_url())  # library readers only
    events.flush()
    body = report(client, key, this_month_complete, "tr_j2")
    assert performance(body, "图书馆杂志") == {"No_License": 1, "Limit_Exceeded": 0}


def test_a_download_over_the_daily_quota_is_limit_exceeded(
    client, net, key, this_month_complete, settings
):
    settings.RESOURCES_DELIVERY = {**settings.RESOURCES_DELIVERY, "QUOTA": 1}
    collection = resources(net)["hlm"].collection
    files = [upload("book.pdf", pdf_bytes(), "application/pdf")]
    first = published(collection, type="ebook", subtype="", title="彷徨", files=files)
    files = [upload("book.pdf", pdf_bytes(3), "application/pdf")]
    second = published(collection, type="ebook", subtype="", title="朝花夕拾", files=files)
    for resource, status in ((first, 200), (second, 429), (second, 429)):
        original = resource.files.get(role="original")
        response = client.get(f"/resources/{resource.pk}/files/{original.pk}")
        assert response.status_code == status
        b"".join(getattr(response, "streaming_content", [b""]))
    events.flush()
    body = report(client, key, this_month_complete, "tr_b2")
    assert performance(body, "朝花夕拾") == {"Limit_Exceeded": 2, "No_License": 0}
    assert performance(body, "彷徨") == {}
    master = report(client, key, this_month_complete, "tr", metric_type=DENIED)
    assert performance(master, "朝花夕拾") == {"Limit_Exceeded": 2, "No_License": 0}
    requests = report(client, key, this_month_complete, "tr", metric_type=REQUESTED)
    assert performance(requests, "彷徨") == {"Total_Item_Requests": 1, "Unique_Item_Requests": 1}
    assert performance(requests, "朝花夕拾") == {}
