"""Tier dashboards: comparison, trend, weekday × hour, readable without JavaScript, exports."""

from __future__ import annotations

import io

from django.utils import translation
from openpyxl import load_workbook

from shuxiang.accounts.tests.factories import PASSWORD, admin_of
from shuxiang.stats import services
from shuxiang.stats.tests.helpers import SATURDAY_1AM, land

PERIOD = {"begin": "2026-06-01", "end": "2026-06-30"}


def _login(client, library):
    client.login(username=admin_of(library).username, password=PASSWORD)


def test_heatmap_puts_events_on_their_local_weekday_and_hour(net):
    land({"330681": 4}, at=SATURDAY_1AM)
    first, last = services.period("2026-06-01", "2026-06-30")
    matrix = services.heatmap(admin_of(net["zj"]), net["zj"], first, last)
    assert matrix[5][1] == 4  # Saturday, 01:00–01:59 local time
    assert sum(map(sum, matrix)) == 4


def test_trend_has_every_day_of_the_period(net):
    land({"330681": 2})
    first, last = services.period("2026-06-01", "2026-06-30")
    trend = services.trend(admin_of(net["zj"]), net["zj"], first, last)
    assert len(trend) == 30 and sum(n for _, n in trend) == 2
    assert dict(trend)[SATURDAY_1AM.date().replace(day=6)] == 2


def test_dashboard_shows_figures_as_tables_without_javascript(client, net):
    land({"330681": 5, "330100": 3})
    _login(client, net["zj"])
    with translation.override("en"):
        page = client.get("/stats/330000/", PERIOD, HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert page.status_code == 200
    assert "<table" in html and "<caption>" in html
    assert "330600图书馆" in html and "330100图书馆" in html
    assert 'id="stats-chart"' in html  # chart data for ECharts, as JSON (no inline script)
    assert "echarts/echarts.min.js" in html


def test_city_dashboard_compares_its_counties(client, net):
    land({"330681": 5})
    _login(client, net["sx"])
    page = client.get("/stats/330600/", PERIOD)
    assert page.status_code == 200 and "330681图书馆" in page.content.decode()


def test_dashboard_exports_csv_and_xlsx(client, net):
    land({"330681": 5, "330100": 3})
    _login(client, net["zj"])
    csv = client.get("/stats/330000/export.csv", PERIOD)
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    lines = csv.content.decode("utf-8-sig").splitlines()
    assert lines[1].startswith("330600,330600图书馆,5")
    xlsx = client.get("/stats/330000/export.xlsx", PERIOD)
    book = load_workbook(io.BytesIO(xlsx.content))
    assert len(book.sheetnames) == 3
    first = book.worksheets[0]
    assert [first.cell(2, 1).value, first.cell(2, 3).value] == ["330600", 5]


def test_home_dashboard_opens_on_the_viewers_own_library(client, net):
    land({"620123": 1})
    _login(client, net["gs"])
    page = client.get("/stats/", PERIOD)
    assert page.status_code == 200 and "620000图书馆" in page.content.decode()


def test_echarts_from_npm_is_served_as_a_static_file_after_setup(client):
    from django.conf import settings

    built = settings.STATIC_BUILD_DIR / "echarts" / "echarts.min.js"
    if not built.exists():
        import pytest

        pytest.skip("scripts/setup has not installed the npm assets here")
    response = client.get("/static/echarts/echarts.min.js")
    assert response.status_code == 200
    assert b"echarts" in b"".join(response.streaming_content)[:2000]
