"""End to end in Debian's headless Chromium (Playwright) at a phone-sized viewport.

The pages are served by a live server over real HTTP; the reader logs in through the real login
page. Screenshots go to ``test-artifacts/``. axe-core (from npm, ``node_modules``) checks that no
serious or critical accessibility violation is present on the home and reader pages.
"""

from __future__ import annotations

import pytest

from shuxiang.accounts.models import StaffRole
from shuxiang.accounts.tests.factories import user
from shuxiang.network.divisions import load_divisions
from shuxiang.network.models import Division
from shuxiang.network.tests.factories import small_network
from shuxiang.portal import services
from shuxiang.portal.demo import load_demo_portal
from shuxiang.portal.tests.browsing import (
    ARTIFACTS,
    AXE,
    PHONE,
    eventually,
    font_size,
    log_in,
    phone_page,
    saves_position_in,
    serious_violations,
)

pytestmark = pytest.mark.browser


@pytest.fixture
def site(transactional_db, live_server, monkeypatch):
    """A live node with the small network, demo columns and a branded Shaoxing site."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM calls beside Playwright
    if not Division.objects.exists():  # an earlier transactional test emptied the tables
        load_divisions(progress=False)
    network = small_network()
    load_demo_portal()
    shaoxing = network["sx"]
    shaoxing.branding = {"primary_color": "#1a5fb4", "slogan": "书香绍兴 · 移动阅读"}
    shaoxing.save()
    services.create_shelf(shaoxing, "column", {"title": "越地名家"}, by=_system())
    user("reader")
    StaffRole.objects.create(user=user("curator"), library=shaoxing, role=StaffRole.Role.LIBRARIAN)
    return live_server.url


def _system():
    from shuxiang.core.actors import SYSTEM

    return SYSTEM


def test_a_reader_resumes_at_chapter_three_with_the_larger_font_on_a_second_device(site, browser):
    errors: list[str] = []
    phone, page = phone_page(browser, errors)
    log_in(page, site, "/read/demo:lunyu/")
    assert page.url.endswith("/read/demo:lunyu/1/")
    assert font_size(page) == "18px"
    page.click("details.settings summary")
    for _step in range(2):
        with page.expect_response(lambda r: "me/preferences" in r.url and r.ok):
            page.click("button[data-step='2']")
    assert font_size(page) == "22px"
    page.select_option("#jump-to", "3")
    with page.expect_response(lambda r: saves_position_in(r, 2)):  # the new page's save
        page.click("form.jump button[type=submit]")
    assert page.url.endswith("/read/demo:lunyu/3/")
    assert page.inner_text("#chapter h2") == "八佾篇"
    page.screenshot(path=str(ARTIFACTS / "reader-phone-chapter3.png"), full_page=False)
    page.click("header form.inline button[type=submit]")  # log out
    page.wait_for_load_state()
    phone.close()

    laptop, other = phone_page(browser, errors)
    log_in(other, site, "/read/demo:lunyu/")
    assert other.url.endswith("/read/demo:lunyu/3/")
    assert other.inner_text("#chapter h2") == "八佾篇"
    assert font_size(other) == "22px"
    other.screenshot(path=str(ARTIFACTS / "reader-second-device-resumed.png"))
    laptop.close()
    assert errors == []  # no script errors and no Content-Security-Policy violations


def test_the_reader_works_without_javascript(site, browser):
    context = browser.new_context(**PHONE, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{site}/read/demo:lunyu/1/")
    page.click("a[rel=next]")
    assert page.url.endswith("/read/demo:lunyu/2/")
    page.select_option("#jump-to", "5")
    page.click("form.jump button[type=submit]")
    assert page.inner_text("#chapter h2") == "公冶长篇"
    context.close()


def test_a_branch_site_shows_its_own_branding_and_columns(site, browser):
    errors: list[str] = []
    context, page = phone_page(browser, errors)
    page.goto(f"{site}/s/330600/")
    assert page.inner_text("header .brand") == "330600图书馆"
    assert page.is_visible("text=书香绍兴 · 移动阅读")
    header = page.eval_on_selector("header.top", "e => getComputedStyle(e).backgroundColor")
    assert header == "rgb(26, 95, 180)"
    headings = page.locator("section.column h2").all_inner_texts()
    assert headings == ["绍兴地方文献", "越地名家", "经典导读"]  # own first, then the center's
    page.click("text=论语")
    assert "/s/330600/read/demo:lunyu/" in page.url
    page.goto(f"{site}/s/330600/")
    page.screenshot(path=str(ARTIFACTS / "branch-site-shaoxing.png"), full_page=True)
    national = context.new_page()
    national.goto(f"{site}/")
    assert national.locator("section.column h2").all_inner_texts() == ["经典导读"]
    context.close()
    assert errors == []


def test_opened_chapters_are_cached_by_the_service_worker(site, browser):
    errors: list[str] = []
    context, page = phone_page(browser, errors)
    page.goto(f"{site}/read/demo:lunyu/1/")
    assert eventually(page, "() => navigator.serviceWorker.controller !== null")
    page.goto(f"{site}/read/demo:lunyu/2/")
    assert eventually(page, "async () => !!(await caches.match(location.href, {ignoreVary: true}))")
    context.set_offline(True)
    page.goto(f"{site}/read/demo:lunyu/2/")
    assert page.inner_text("#chapter h2") == "为政篇"  # read from the cache, offline
    page.goto(f"{site}/read/demo:lunyu/9/")
    assert page.inner_text("h1") == "您已离线"  # never opened: the cached offline page
    context.close()
    assert errors == []


@pytest.mark.parametrize(
    "path", ["/", "/s/330600/", "/read/demo:lunyu/3/", "/sites/", "/accounts/login/"]
)
def test_pages_have_no_serious_or_critical_accessibility_violations(site, browser, path):
    assert AXE.exists(), "run scripts/setup (npm install puts axe-core in node_modules)"
    context = browser.new_context(**PHONE, bypass_csp=True)  # lets the test inject axe
    page = context.new_page()
    page.goto(site + path)
    assert serious_violations(page) == []
    context.close()


def test_a_logged_in_reader_page_in_every_theme_passes_axe(site, browser):
    context = browser.new_context(**PHONE, bypass_csp=True)
    page = context.new_page()
    log_in(page, site, "/read/demo:lunyu/2/")
    for theme in ("dark", "sepia", "light"):
        if not page.is_visible("#reader-settings"):
            page.click("details.settings summary")
        with page.expect_response(lambda r: "me/preferences" in r.url):
            page.click(f"button[name=theme][value={theme}]")
        assert serious_violations(page) == [], theme
    page.screenshot(path=str(ARTIFACTS / "reader-light.png"))
    context.close()


def test_the_reader_is_usable_from_the_keyboard(site, browser):
    errors: list[str] = []
    context, page = phone_page(browser, errors)
    page.goto(f"{site}/read/demo:lunyu/1/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    page.wait_for_url("**/read/demo:lunyu/1/#main")  # the fragment lands a moment later
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("ArrowRight")
    page.wait_for_url("**/read/demo:lunyu/2/")
    page.focus("details.settings summary")
    page.keyboard.press("Enter")
    assert page.is_visible("#reader-settings")
    context.close()
    assert errors == []


def test_a_librarian_sees_field_errors_beside_the_fields_and_the_page_passes_axe(site, browser):
    context = browser.new_context(**PHONE, bypass_csp=True)
    page = context.new_page()
    log_in(page, site, "/s/330600/curate/new/column/", username="curator")
    page.fill("#id_title", "")
    page.fill("#id_publish_from", "2030-01-02T08:00")
    page.fill("#id_publish_until", "2030-01-01T08:00")
    page.click("main button[type=submit]")
    title_error = page.locator(".field.has-error:has(#id_title) p.error")
    until_error = page.locator(".field.has-error:has(#id_publish_until) p.error")
    assert title_error.count() == 1 and until_error.count() == 1
    assert serious_violations(page) == []
    page.screenshot(path=str(ARTIFACTS / "curate-field-errors.png"), full_page=True)
    page.fill("#id_title", "越地名人")
    page.fill("#id_publish_until", "")
    page.click("main button[type=submit]")
    assert page.inner_text("h1") == "越地名人"
    context.close()
