"""The linked-data pages in Chromium at phone and desktop widths: they fit and link the formats.

Screenshots go to ``$SHUXIANG_TEST_ARTIFACTS`` (docs/screenshots/linkeddata/ when refreshed).
"""

from __future__ import annotations

import pytest

from shuxiang.linkeddata import dumps, sync
from shuxiang.portal.tests.browsing import artifacts_dir, chromium, horizontal_overflow

pytestmark = [pytest.mark.live, pytest.mark.browser]

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def test_entity_and_dumps_pages_fit_phone_and_desktop(live_server, world, tmp_path_factory):
    sync.rebuild_now()
    dumps.write_all()
    folder = artifacts_dir(tmp_path_factory)
    pages = {
        "person": "/ld/person/鲁迅/",
        "subject": "/ld/subject/小说/",
        "place": "/ld/place/330000/",
        "work": f"/ld/work/{world['book'].work_id}/",
        "dumps": "/ld/dumps/",
        "sparql": "/sparql",
    }
    with chromium() as browser:
        for width_name, viewport in WIDTHS.items():
            page = browser.new_page(viewport=viewport, locale="zh-CN")
            for name, path in pages.items():
                response = page.goto(live_server.url + path)
                assert response.status == 200, path
                assert horizontal_overflow(page) <= 1, (name, width_name)
                shot = folder / f"{name}-{viewport['width']}.png"
                page.screenshot(path=str(shot), full_page=True)
            page.goto(live_server.url + "/ld/person/鲁迅/")
            assert page.locator("a[type='text/turtle']").count() == 1
            page.close()
