"""Dashboard charts draw at their container's width, on a phone and on a desktop.

Debian's Chromium (Playwright) loads /stats/ over real HTTP from a live server; for each chart the
canvas must span at least 90% of its container and carry drawn (non-background) pixels, read back
from the canvas itself. Screenshots are kept as test artifacts (``$SHUXIANG_TEST_ARTIFACTS``).
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from shuxiang.accounts.tests.factories import admin_of
from shuxiang.network.divisions import load_divisions
from shuxiang.network.models import Division
from shuxiang.network.tests.factories import small_network
from shuxiang.portal.tests.browsing import (
    artifacts_dir,
    chromium,
    eventually,
    horizontal_overflow,
    log_in,
)
from shuxiang.stats import events
from shuxiang.stats.rollup import run_rollup
from shuxiang.stats.tests.helpers import SATURDAY_1AM

pytestmark = pytest.mark.browser

CHARTS = ("chart-comparison", "chart-trend", "chart-heatmap")
WIDTHS = (390, 1280)
PERIOD = "?begin=2026-06-01&end=2026-06-30"

# For each chart: canvas width / container width, and the share of drawn pixels on the canvas.
MEASURE = """ids => ids.map(id => {
  const box = document.getElementById(id);
  const canvas = box && box.querySelector('canvas');
  if (!canvas || !box.clientWidth) {
    return {id, ratio: 0, drawn: 0, width: box ? box.clientWidth : 0};
  }
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let drawn = 0;
  for (let i = 0; i < pixels.length; i += 4) {
    const white = pixels[i] > 245 && pixels[i + 1] > 245 && pixels[i + 2] > 245;
    const blank = pixels[i + 3] < 16 || white;
    if (!blank) { drawn += 1; }
  }
  return {id, width: box.clientWidth, ratio: canvas.getBoundingClientRect().width / box.clientWidth,
          drawn: drawn / (pixels.length / 4)};
})"""


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture
def dashboard(transactional_db, live_server, monkeypatch):
    """A live node whose Zhejiang province had a month of reading at many hours."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM calls beside Playwright
    if not Division.objects.exists():  # an earlier transactional test emptied the tables
        load_divisions(progress=False)
    network = small_network()
    for day in range(0, 28, 3):
        for code, n in (("330681", 3 + day % 5), ("330100", 2 + day % 3)):
            at = SATURDAY_1AM - timedelta(days=4) + timedelta(days=day, hours=day * 5)
            for i in range(n):
                events.record("item_view", library=code, reader=i, at=at + timedelta(minutes=i))
    events.flush()
    run_rollup()
    return live_server.url, admin_of(network["zj"]).username


@pytest.mark.parametrize("width", WIDTHS)
def test_each_chart_fills_its_container_and_draws(dashboard, browser, width, tmp_path_factory):
    base, admin = dashboard
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    log_in(page, base, "/stats/", username=admin)
    page.goto(base + "/stats/330000/" + PERIOD)
    ready = f"{list(CHARTS)}.every(id => document.querySelector('#' + id + ' canvas'))"
    drawn = eventually(page, ready)
    page.wait_for_timeout(1500)  # ECharts' entry animation
    shots = artifacts_dir(tmp_path_factory)
    page.screenshot(path=str(shots / f"stats-{width}.png"), full_page=True)
    assert drawn and errors == [], errors
    for chart in page.evaluate(MEASURE, list(CHARTS)):
        assert chart["width"] > width * 0.6, chart
        assert chart["ratio"] >= 0.9, chart
        assert chart["drawn"] > 0.01, chart
    assert horizontal_overflow(page) <= 0
    heat = "() => { const s = document.querySelector('.scroll');"
    heat += " return s.scrollWidth - s.clientWidth; }"
    if width >= 1280:
        assert page.evaluate(heat) <= 0, "the weekday × hour table overflows on a desktop"
    context.close()
