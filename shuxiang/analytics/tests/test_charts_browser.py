"""The behaviour charts really draw, at phone and desktop widths (Chromium over real HTTP).

For each chart the canvas must span at least 90 % of its box and carry drawn pixels read back
from the canvas; screenshots go to docs/screenshots/analytics/.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from shuxiang.accounts.tests.factories import admin_of
from shuxiang.analytics import services
from shuxiang.network.divisions import load_divisions
from shuxiang.network.models import Division
from shuxiang.network.tests.factories import small_network
from shuxiang.portal.tests.browsing import chromium, eventually, horizontal_overflow, log_in
from shuxiang.stats import events
from shuxiang.stats.tests.test_charts_browser import MEASURE

pytestmark = pytest.mark.browser
CHARTS = ("chart-heatmap", "chart-channels", "chart-types")
SHOTS = Path(__file__).resolve().parents[3] / "docs" / "screenshots" / "analytics"
START = datetime(2026, 6, 1, 0, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture
def reports(transactional_db, live_server, monkeypatch):
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not Division.objects.exists():
        load_divisions(progress=False)
    network = small_network()
    for n in range(1400):
        at = START + timedelta(days=n % 7, hours=n % 10, minutes=n % 50)  # 08–17 h local
        events.record(
            "item_view",
            library=("330681", "330100")[n % 2],
            reader=f"r{n % 90}",
            channel=("mobile", "web", "api")[n % 3],
            resource_type=("ebook", "audio", "video")[n % 3],
            item_id=f"x:{n % 9}",
            at=at,
        )
    events.flush()
    services.run_nightly("duckdb")
    return live_server.url, admin_of(network["zj"]).username


@pytest.mark.parametrize("width", (390, 1280))
def test_each_behaviour_chart_fills_its_box_and_draws(reports, browser, width):
    base, admin = reports
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, base, "/analytics/", username=admin)
    page.goto(base + "/analytics/330000/")
    ready = f"{list(CHARTS)}.every(id => document.querySelector('#' + id + ' canvas'))"
    drawn = eventually(page, ready)
    page.wait_for_timeout(1500)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"reports-{width}.png"), full_page=True)
    assert drawn and errors == [], errors
    for chart in page.evaluate(MEASURE, list(CHARTS)):
        assert chart["ratio"] >= 0.9, chart
        assert chart["drawn"] > 0.01, chart
    assert horizontal_overflow(page) <= 0
    context.close()
