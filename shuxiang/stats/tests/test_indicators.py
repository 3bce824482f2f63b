"""Headline figures from data, the weighted indicator system and the annual assessment."""

from __future__ import annotations

import io

import pytest
from django.utils import translation
from openpyxl import load_workbook

from shuxiang.accounts.tests.factories import PASSWORD, admin_of, user
from shuxiang.core.errors import PermissionDenied, ValidationFailed
from shuxiang.stats import indicators, monitoring, services
from shuxiang.stats.models import IndicatorWeight
from shuxiang.stats.tests.helpers import land


def _figure(rows, code):
    return next(row["value"] for row in rows if row["code"] == code)


def test_headline_figures_are_computed_from_the_data(net):
    land({"330681": 4, "620123": 9})
    land({"330681": 2}, kind="login")
    user(home_library=net["zhuji"])
    user(home_library=net["sx"])
    user(home_library=net["yuzhong"])
    zj_admin = admin_of(net["zj"])
    monitoring.record_heartbeat(zj_admin, net["sx"], {"node": "sx-1", "storage_bytes": 2 * 10**12})
    monitoring.add_platform(zj_admin, net["zhuji"], "诸暨数字图书馆", "http://127.0.0.1:9/")
    services.record_training(
        zj_admin, net["sx"], {"title": "数字资源培训", "held_on": "2026-03-02"}
    )
    rows = indicators.headline(zj_admin, net["zj"], 2026)
    assert _figure(rows, "annual_clicks") == 4  # logins are not clicks; Gansu is not ours
    assert _figure(rows, "real_name_users") == 2  # the reader registered in Gansu is not ours
    assert _figure(rows, "resources_tb") == 2.0
    assert _figure(rows, "platforms") == 1
    assert _figure(rows, "libraries") == 4
    assert _figure(rows, "trainings") == 1


@pytest.mark.parametrize("year", [1, 1969, 9999, 10**6])
def test_a_year_outside_the_reporting_range_is_refused_by_name(net, year):
    zj_admin = admin_of(net["zj"])
    for report in (indicators.headline, indicators.assessment):
        with pytest.raises(ValidationFailed) as caught:
            report(zj_admin, net["zj"], year)
        assert caught.value.errors[0].field == "year"


def test_the_api_answers_a_far_year_with_400_naming_the_year(client, net):
    client.login(username=admin_of(net["zj"]).username, password=PASSWORD)
    response = client.get("/api/v1/stats/ZJ/indicators?year=1")
    assert response.status_code in (400, 422)
    assert "year" in response.content.decode()


def test_training_sessions_need_a_title_and_a_date(net):
    with pytest.raises(ValidationFailed) as caught:
        services.record_training(admin_of(net["sx"]), net["sx"], {"held_on": "soon"})
    assert {e.field for e in caught.value.errors} == {"title", "held_on"}


def test_only_national_admins_change_weights(net):
    with pytest.raises(PermissionDenied):
        indicators.set_weights(admin_of(net["zj"]), {"annual_clicks": 50})
    indicators.set_weights(admin_of(net["nlc"]), {"annual_clicks": 50})
    assert IndicatorWeight.objects.get(code="annual_clicks").weight == 50


def test_bad_weights_name_the_indicator_and_store_nothing(net):
    with pytest.raises(ValidationFailed) as caught:
        indicators.set_weights(admin_of(net["nlc"]), {"annual_clicks": "-3", "speed": 1})
    assert {e.field for e in caught.value.errors} == {"annual_clicks", "speed"}
    assert not IndicatorWeight.objects.exists()


def test_assessment_scores_a_library_against_its_peers(net):
    land({"330681": 6, "620123": 3})
    nlc_admin = admin_of(net["nlc"])
    only_clicks = {i.code: 0 for i in indicators.INDICATORS} | {"annual_clicks": 10}
    indicators.set_weights(nlc_admin, only_clicks)
    best = indicators.assessment(nlc_admin, net["zj"], 2026)
    other = indicators.assessment(nlc_admin, net["gs"], 2026)
    assert (best["score"], best["rank"]) == (100.0, 1)
    assert (other["score"], other["rank"]) == (50.0, 2)


def test_assessment_report_as_html_and_excel(client, net):
    land({"330681": 6})
    client.login(username=admin_of(net["zj"]).username, password=PASSWORD)
    with translation.override("en"):
        page = client.get("/stats/330681/assessment/", {"year": 2026}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and "<table" in page.content.decode()
    xlsx = client.get("/stats/330681/assessment/", {"year": 2026, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    values = {sheet.cell(r, 1).value: sheet.cell(r, 2).value for r in range(2, sheet.max_row + 1)}
    assert any(v == 6 for v in values.values())
    assert client.get("/stats/620123/assessment/").status_code == 403


def test_weights_page_saves_for_national_admins_only(client, net):
    client.login(username=admin_of(net["zj"]).username, password=PASSWORD)
    assert client.post("/stats/weights/", {"annual_clicks": "30"}).status_code == 403
    client.login(username=admin_of(net["nlc"]).username, password=PASSWORD)
    data = {i.code: "10" for i in indicators.INDICATORS}
    assert client.post("/stats/weights/", data).status_code == 302
    assert indicators.weights()["trainings"] == 10
