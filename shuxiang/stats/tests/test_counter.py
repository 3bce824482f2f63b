"""COUNTER 5.1 reports and the SUSHI API, checked against COUNTER's official JSON schemas."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shuxiang.accounts.services import issue_api_token
from shuxiang.accounts.tests.factories import admin_of
from shuxiang.stats import events
from shuxiang.stats.counter.schema import errors
from shuxiang.stats.counter.views import VIEWS

SAMPLES = Path(__file__).resolve().parents[1] / "counter" / "schemas" / "samples"
AT = datetime(2026, 2, 10, 3, tzinfo=UTC)


def _usage(net):
    kinds = ["item_view", "item_view", "download", "play", "search"]
    rows = [
        ("330681", "ebook", "b1", "红楼梦"),
        ("330600", "journal", "j1", "图书馆杂志"),
        ("330000", "video", "v1", "国图公开课"),
        ("620123", "audio", "a1", "唐诗朗读"),
    ]
    for code, rtype, item, title in rows:
        for reader in range(3):
            for kind in kinds:
                item_id = "" if kind == "search" else item
                events.record(
                    kind,
                    library=code,
                    resource_type=rtype,
                    item_id=item_id,
                    title=title,
                    reader=reader,
                    at=AT,
                )
    events.flush()


@pytest.fixture
def key(net):
    return issue_api_token(admin_of(net["zj"]), "sushi")


def _get(client, path, **params):
    response = client.get(f"/sushi/r5/{path}", params)
    return response.status_code, response.json()


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.json")))
def test_official_samples_pass_the_bundled_validator(sample):
    name = sample.split("_sample")[0]
    schema = {"PRP1": "PR_P1", "DRD1": "DR_D1", "DRD2": "DR_D2", "IRA1": "IR_A1"}.get(name)
    schema = (
        schema
        or {"IRM1": "IR_M1"}.get(name)
        or (name if len(name) == 2 else name[:2] + "_" + name[2:])
    )
    assert errors(json.loads((SAMPLES / sample).read_text()), schema) == []


def test_validator_rejects_a_broken_report():
    report = json.loads((SAMPLES / "PR_sample_r51.json").read_text())
    report["Report_Header"]["Release"] = "4"
    assert errors(report, "PR")


@pytest.mark.parametrize("report_id", sorted(VIEWS))
def test_every_report_is_valid_against_the_counter_schema(client, net, key, report_id):
    _usage(net)
    status, body = _get(
        client,
        f"reports/{report_id}",
        customer_id="330000",
        api_key=key,
        begin_date="2026-01",
        end_date="2026-03",
    )
    assert status == 200
    assert errors(body, VIEWS[report_id].report_id) == []
    if report_id not in ("dr_d2", "tr_b2", "tr_j2"):  # no access-denied events recorded
        assert body["Report_Items"], "the usage must show up"


def test_title_report_counts_investigations_requests_and_unique_readers(client, net, key):
    _usage(net)
    _, body = _get(
        client,
        "reports/tr",
        customer_id="330000",
        api_key=key,
        begin_date="2026-02",
        end_date="2026-02",
    )
    book = next(i for i in body["Report_Items"] if i["Title"] == "红楼梦")
    performance = book["Attribute_Performance"][0]["Performance"]
    assert performance["Total_Item_Investigations"] == {"2026-02": 12}
    assert performance["Total_Item_Requests"] == {"2026-02": 6}
    assert performance["Unique_Item_Requests"] == {"2026-02": 3}
    titles = {i["Title"] for i in body["Report_Items"]}
    assert "唐诗朗读" not in titles  # Gansu is outside the customer's subtree


def test_platform_report_counts_platform_searches(client, net, key):
    _usage(net)
    _, body = _get(
        client,
        "reports/pr_p1",
        customer_id="330000",
        api_key=key,
        begin_date="2026-02",
        end_date="2026-02",
    )
    blocks = body["Report_Items"][0]["Attribute_Performance"]
    platform = next(b for b in blocks if b["Data_Type"] == "Platform")
    assert platform["Performance"]["Searches_Platform"] == {"2026-02": 9}


def test_status_members_and_report_list_follow_the_schema(client, net, key):
    _usage(net)
    status, body = _get(client, "status")
    assert status == 200 and errors(body, "responses/200_Status") == []
    status, body = _get(client, "members", api_key=key)
    assert status == 200 and errors(body, "responses/200_Members") == []
    assert {m["Customer_ID"] for m in body} >= {"330000", "330681"} and "620000" not in {
        m["Customer_ID"] for m in body
    }
    status, body = _get(client, "reports", api_key=key)
    assert status == 200 and errors(body, "responses/200_Reports") == []
    assert body[0]["First_Month_Available"] == "2026-02"


def test_a_month_without_usage_gives_exception_3030(client, net, key):
    _usage(net)
    status, body = _get(
        client,
        "reports/pr",
        customer_id="330000",
        api_key=key,
        begin_date="2025-01",
        end_date="2025-02",
    )
    assert status == 200 and errors(body, "PR") == []
    assert body["Report_Header"]["Exceptions"][0]["Code"] == 3030
    assert body["Report_Items"] == []


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"customer_id": "330000", "end_date": "2026-02"}, 400, 1030),
        ({"begin_date": "2026-01", "end_date": "2026-02"}, 400, 1030),
        ({"customer_id": "330000", "begin_date": "2026-13", "end_date": "2026-02"}, 400, 3020),
        ({"customer_id": "330000", "begin_date": "2026-03", "end_date": "2026-01"}, 400, 3020),
        ({"customer_id": "330000", "begin_date": "2099-01", "end_date": "2099-02"}, 400, 3020),
        ({"customer_id": "620000", "begin_date": "2026-01", "end_date": "2026-02"}, 403, 2010),
        ({"customer_id": "XXXX", "begin_date": "2026-01", "end_date": "2026-02"}, 403, 2010),
    ],
)
def test_bad_sushi_parameters_give_counter_exceptions(client, net, key, params, status, code):
    got_status, body = _get(client, "reports/pr", api_key=key, **params)
    assert (got_status, body["Code"]) == (status, code)
    assert errors(body, f"Exception_{code}") == []


def test_an_unknown_api_key_gives_exception_2000(client, net):
    status, body = _get(
        client,
        "reports/pr",
        api_key="nope",
        customer_id="330000",
        begin_date="2026-01",
        end_date="2026-02",
    )
    assert (status, body["Code"]) == (401, 2000) and errors(body, "Exception_2000") == []


def test_an_unsupported_report_gives_a_not_supported_exception(client, net, key):
    status, body = _get(client, "reports/xx_9", api_key=key, customer_id="330000")
    assert (status, body["Code"]) == (404, 3000) and errors(body, "Exception") == []


def test_unknown_parameters_are_reported_with_exception_3050(client, net, key):
    _usage(net)
    _, body = _get(
        client,
        "reports/pr",
        customer_id="330000",
        api_key=key,
        colour="red",
        begin_date="2026-02",
        end_date="2026-02",
    )
    assert errors(body, "PR") == []
    notice = body["Report_Header"]["Exceptions"][-1]
    assert (notice["Code"], notice["Data"]) == (3050, "colour")
