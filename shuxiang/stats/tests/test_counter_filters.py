"""COUNTER 5.1 master-report filters and attributes, the standard views of what a node hosts
(books, journals, audio, video) and the current-month rules — every answer validated against
COUNTER's official JSON schemas."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from shuxiang.accounts.services import issue_api_token
from shuxiang.accounts.tests.factories import admin_of
from shuxiang.stats import events
from shuxiang.stats.counter.schema import SPEC, errors
from shuxiang.stats.counter.views import VIEWS
from shuxiang.stats.tests.counter_data import DEC, resources, usage, use


@pytest.fixture
def key(net):
    return issue_api_token(admin_of(net["zj"]), "sushi")


def report(client, key, report_id, begin="2026-02", end="2026-02", **params):
    """A report for Zhejiang, checked against its official schema."""
    query = {"customer_id": "330000", "api_key": key, "begin_date": begin, "end_date": end}
    response = client.get(f"/sushi/r5/reports/{report_id}", {**query, **params})
    assert response.status_code == 200, response.content
    body = response.json()
    assert errors(body, VIEWS[report_id].report_id) == []
    return body


def codes(body) -> list[int]:
    return [e["Code"] for e in body["Report_Header"].get("Exceptions", [])]


def titles(body) -> set[str]:
    return {item["Title"] for item in body["Report_Items"]}


def item_names(body) -> set[str]:
    return {item["Item"] for group in body["Report_Items"] for item in group["Items"]}


def metrics(body) -> set[str]:
    found = set()
    for entry in body["Report_Items"]:
        for item in entry.get("Items", [entry]):
            for block in item["Attribute_Performance"]:
                found |= set(block["Performance"])
    return found


# -- the standard views --------------------------------------------------------------------


def test_every_standard_view_of_the_specification_is_offered_and_listed(client, net, key):
    spec = json.loads(SPEC.read_text())
    paths = {p.rsplit("/", 1)[1] for p in spec["paths"] if p.startswith("/r51/reports/")}
    assert paths == set(VIEWS)
    listed = client.get("/sushi/r5/reports", {"api_key": key}).json()
    assert errors(listed, "responses/200_Reports") == []
    assert {row["Report_ID"].lower() for row in listed} == paths


@pytest.mark.parametrize("report_id", ["tr_b2", "tr_j2", "tr_j4", "ir_a1", "ir_m1"])
def test_the_new_standard_views_answer_valid_reports(client, net, key, report_id):
    usage(net)
    body = report(client, key, report_id)
    assert body["Report_Header"]["Report_ID"] == report_id.upper()
    if report_id in ("tr_b2", "tr_j2"):  # no access-denied usage recorded: no items
        assert body["Report_Items"] == [] and codes(body) == [3030]
    else:
        assert body["Report_Items"]


def test_controlled_views_leave_out_open_and_free_content(client, net, key):
    usage(net)
    assert titles(report(client, key, "tr_b1")) == {"呐喊"}  # 红楼梦 is free to read
    j4 = report(client, key, "tr_j4")
    assert titles(j4) == {"图书馆杂志"}  # both issues count under their journal
    blocks = j4["Report_Items"][0]["Attribute_Performance"]
    assert [b["YOP"] for b in blocks] == ["2024"]  # the 2025 issue is open access
    assert blocks[0]["Performance"] == {
        "Total_Item_Requests": {"2026-02": 3},
        "Unique_Item_Requests": {"2026-02": 3},
    }


def test_journal_article_requests_sit_under_their_journal(client, net, key):
    usage(net)
    body = report(client, key, "ir_a1")
    (journal,) = body["Report_Items"]
    assert journal["Title"] == "图书馆杂志"
    assert journal["Item_ID"]["Print_ISSN"] == "1000-4254"
    access = {i["Item"]: i["Attribute_Performance"][0]["Access_Type"] for i in journal["Items"]}
    assert access == {"图书馆杂志 2024年第3期": "Controlled", "图书馆杂志 2025年第1期": "Open"}


def test_multimedia_item_requests_cover_audio_and_video(client, net, key):
    usage(net)
    body = report(client, key, "ir_m1")
    types = {
        item["Item"]: item["Attribute_Performance"][0]["Data_Type"]
        for item in body["Report_Items"][0]["Items"]
    }
    assert types == {"国图公开课": "Audiovisual", "唐诗朗读": "Sound"}


# -- filters of the master reports ---------------------------------------------------------

PAIR = "Total_Item_Requests|Unique_Item_Requests"


@pytest.mark.parametrize("report_id", ["pr", "dr", "tr", "ir"])
def test_metric_type_keeps_only_the_named_metrics(client, net, key, report_id):
    usage(net)
    body = report(client, key, report_id, metric_type=PAIR)
    assert metrics(body) == {"Total_Item_Requests", "Unique_Item_Requests"}
    assert body["Report_Header"]["Report_Filters"]["Metric_Type"] == PAIR.split("|")
    assert 3050 not in codes(body)


@pytest.mark.parametrize(
    ("report_id", "metric"), [("ir", "Total_Item_Requests"), ("pr", "Searches_Platform")]
)
def test_metric_type_may_name_a_single_metric(client, net, key, report_id, metric):
    usage(net)
    assert metrics(report(client, key, report_id, metric_type=metric)) == {metric}


@pytest.mark.parametrize(("report_id", "data_type"), [("pr", "Sound"), ("dr", "Journal")])
def test_data_type_filters_platform_and_database_reports(client, net, key, report_id, data_type):
    usage(net)
    body = report(client, key, report_id, data_type=data_type)
    blocks = [b for item in body["Report_Items"] for b in item["Attribute_Performance"]]
    assert {b["Data_Type"] for b in blocks} == {data_type}
    assert body["Report_Header"]["Report_Filters"]["Data_Type"] == [data_type]


def test_data_type_filters_the_title_report(client, net, key):
    usage(net)
    assert titles(report(client, key, "tr", data_type="Journal")) == {"图书馆杂志"}


def test_access_type_filters_titles_and_items(client, net, key):
    usage(net)
    body = report(client, key, "tr", access_type="Free_To_Read", attributes_to_show="YOP")
    assert titles(body) == {"红楼梦"}
    body = report(client, key, "ir", access_type="Open|Free_To_Read")
    assert item_names(body) == {"红楼梦", "图书馆杂志 2025年第1期", "国图公开课"}


def test_access_method_tdm_finds_no_usage_and_regular_finds_all(client, net, key):
    usage(net)
    tdm = report(client, key, "pr", access_method="TDM")
    assert tdm["Report_Items"] == [] and codes(tdm) == [3030]
    assert report(client, key, "pr", access_method="Regular")["Report_Items"]


def test_yop_takes_years_and_ranges(client, net, key):
    usage(net)
    body = report(client, key, "tr", yop="2019|2024-2030", attributes_to_show="YOP")
    assert titles(body) == {"呐喊", "图书馆杂志"}
    journal = next(i for i in body["Report_Items"] if i["Title"] == "图书馆杂志")
    assert [b["YOP"] for b in journal["Attribute_Performance"]] == ["2024", "2025"]
    assert body["Report_Header"]["Report_Filters"]["YOP"] == ["2019", "2024-2030"]


def test_item_id_picks_one_title_or_item(client, net, key):
    made = usage(net)
    body = report(client, key, "tr", item_id="1000-4254")
    assert titles(body) == {"图书馆杂志"}
    body = report(client, key, "ir", item_id=f"Shuxiang:resource:{made['nh'].pk}")
    assert item_names(body) == {"呐喊"}


def test_author_and_database_filters(client, net, key):
    usage(net)
    body = report(client, key, "ir", author="鲁迅")
    assert item_names(body) == {"呐喊"}
    assert body["Report_Header"]["Report_Filters"]["Author"] == "鲁迅"
    body = report(client, key, "dr", database="ebook")
    assert [d["Database"] for d in body["Report_Items"]] == ["ebook"]


def test_attributes_to_show_splits_usage_by_access_type_and_year(client, net, key):
    usage(net)
    body = report(client, key, "tr", attributes_to_show="YOP|Access_Type|Access_Method")
    journal = next(i for i in body["Report_Items"] if i["Title"] == "图书馆杂志")
    shown = [
        (b["YOP"], b["Access_Type"], b["Access_Method"]) for b in journal["Attribute_Performance"]
    ]
    assert shown == [("2024", "Controlled", "Regular"), ("2025", "Open", "Regular")]
    attributes = body["Report_Header"]["Report_Attributes"]
    assert attributes == {"Attributes_To_Show": ["YOP", "Access_Type", "Access_Method"]}
    rolled = report(client, key, "tr")
    journal = next(i for i in rolled["Report_Items"] if i["Title"] == "图书馆杂志")
    assert len(journal["Attribute_Performance"]) == 1  # without attributes: one block


@pytest.mark.parametrize("value", ["Totals", "Total"])
def test_granularity_totals_sums_the_period_under_its_first_month(client, net, key, value):
    made = usage(net)
    use(made["hlm"], DEC)
    events.flush()
    body = report(client, key, "tr", begin="2025-12", end="2026-02", granularity=value)
    book = next(i for i in body["Report_Items"] if i["Title"] == "红楼梦")
    performance = book["Attribute_Performance"][0]["Performance"]
    assert performance["Total_Item_Investigations"] == {"2025-12": 18}
    assert body["Report_Header"]["Report_Attributes"] == {"Granularity": "Totals"}
    monthly = report(client, key, "tr", begin="2025-12", end="2026-02")
    book = next(i for i in monthly["Report_Items"] if i["Title"] == "红楼梦")
    counts = book["Attribute_Performance"][0]["Performance"]["Total_Item_Investigations"]
    assert counts == {"2025-12": 9, "2026-02": 9}


def test_item_report_parent_details_group_issues_under_their_journal(client, net, key):
    usage(net)
    body = report(client, key, "ir", include_parent_details="True")
    parents = [g for g in body["Report_Items"] if "Title" in g]
    assert [(p["Title"], p["Data_Type"], len(p["Items"])) for p in parents] == [
        ("图书馆杂志", "Journal", 2)
    ]
    assert body["Report_Header"]["Report_Attributes"] == {"Include_Parent_Details": "True"}
    flat = report(client, key, "ir")
    assert all("Title" not in group for group in flat["Report_Items"])


def test_item_report_shows_authors_and_dates_when_asked(client, net, key):
    usage(net)
    body = report(client, key, "ir", attributes_to_show="Authors|Publication_Date|YOP")
    items = {i["Item"]: i for group in body["Report_Items"] for i in group["Items"]}
    assert items["呐喊"]["Authors"] == [{"Name": "鲁迅"}]
    assert items["呐喊"]["Publication_Date"] == "2019-05-01"
    assert items["呐喊"]["Attribute_Performance"][0]["YOP"] == "2019"


@pytest.mark.parametrize(
    ("report_id", "params", "code", "data"),
    [
        ("tr", {"data_type": "Journal|Comic"}, 3060, "data_type: Comic"),
        ("tr", {"yop": "20x4"}, 3060, "yop: 20x4"),
        ("pr", {"metric_type": "Searches_Platform|Clicks"}, 3060, "metric_type: Clicks"),
        ("tr", {"attributes_to_show": "YOP|Colour"}, 3062, "attributes_to_show: Colour"),
        ("tr", {"granularity": "Week"}, 3062, "granularity: Week"),
        ("ir", {"include_component_details": "True"}, 3063, "include_component_details"),
        ("tr_j1", {"metric_type": "Total_Item_Requests"}, 3050, "metric_type"),
        ("pr", {"item_id": "x1"}, 3050, "item_id"),
    ],
)
def test_values_that_cannot_be_honoured_are_reported_and_ignored(
    client, net, key, report_id, params, code, data
):
    usage(net)
    body = report(client, key, report_id, **params)
    notice = next(e for e in body["Report_Header"]["Exceptions"] if e["Code"] == code)
    assert notice["Data"].startswith(data)
    assert body["Report_Items"], "the rest of the request is still answered"


def test_a_filter_keeps_its_valid_values(client, net, key):
    usage(net)
    body = report(client, key, "tr", data_type="Journal|Comic")
    assert titles(body) == {"图书馆杂志"}
    assert body["Report_Header"]["Report_Filters"]["Data_Type"] == ["Journal"]


# -- the current month ---------------------------------------------------------------------


def _this_and_last_month(net):
    made = resources(net)
    now = timezone.localtime()
    use(made["hlm"], now)
    use(made["hlm"], now.replace(day=1) - timedelta(days=3))
    events.flush()
    last = (now.replace(day=1) - timedelta(days=1)).date()
    return now.date(), last


def test_a_request_reaching_into_the_current_month_gets_3031_and_ends_last_month(client, net, key):
    today, last = _this_and_last_month(net)
    body = report(client, key, "tr", begin=f"{last:%Y-%m}", end=f"{today:%Y-%m}")
    assert body["Report_Header"]["Report_Filters"]["End_Date"] == last.isoformat()
    notice = body["Report_Header"]["Exceptions"][0]
    assert (notice["Code"], notice["Data"]) == (3031, f"{today:%Y-%m}")
    counts = body["Report_Items"][0]["Attribute_Performance"][0]["Performance"]
    assert counts["Total_Item_Investigations"] == {f"{last:%Y-%m}": 9}


def test_a_request_starting_in_the_current_month_is_invalid(client, net, key):
    today, _ = _this_and_last_month(net)
    query = {"customer_id": "330000", "api_key": key, "begin_date": f"{today:%Y-%m}"}
    response = client.get("/sushi/r5/reports/tr", {**query, "end_date": f"{today:%Y-%m}"})
    assert (response.status_code, response.json()["Code"]) == (400, 3020)
    assert errors(response.json(), "Exception_3020") == []


def test_the_report_list_offers_complete_months_only(client, net, key):
    today, last = _this_and_last_month(net)
    listed = client.get("/sushi/r5/reports", {"api_key": key}).json()
    assert errors(listed, "responses/200_Reports") == []
    assert {row["Last_Month_Available"] for row in listed} == {f"{last:%Y-%m}"}


# -- the value lists are COUNTER's ---------------------------------------------------------


@pytest.mark.parametrize("report_id", ["PR", "DR", "TR", "IR"])
def test_master_report_parameters_and_values_are_the_specifications(report_id):
    spec = json.loads(SPEC.read_text())
    view = VIEWS[report_id.lower()]
    listed = spec["paths"][f"/r51/reports/{report_id.lower()}"]["get"]["parameters"]
    names = {p["$ref"].rsplit("/", 1)[1] for p in listed}
    base = {"customer_id", "requestor_id", "api_key", "platform", "begin_date", "end_date"}
    extensions = {"attributed", "country_code", "subdivision_code"}
    assert set(view.parameters) == names - base - extensions
    schemas = spec["components"]["schemas"]
    filters = schemas[f"{report_id}_Report_Filters"]["allOf"][1]["properties"]
    assert set(view.metric_values) == set(filters["Metric_Type"]["items"]["enum"])
    assert set(view.data_type_values) == set(filters["Data_Type"]["items"]["enum"])
    shown = schemas[f"{report_id}_Report_Attributes"]["allOf"][0]["properties"]
    assert set(view.shown_values) == set(shown["Attributes_To_Show"]["items"]["enum"])
