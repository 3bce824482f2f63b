"""Every page of the site map at 360 px: nothing scrolls sideways, lists carry no stray bullets,
the header stays compact.

One Chromium for the module and one small live node (the small network, the demo columns, one
published EPUB book, the demo identifiers); the walk visits each page anonymously, as a reader
and as the national administrator. Screenshots of each page are kept as test artifacts.
"""

from __future__ import annotations

import pytest

from shuxiang.accounts.tests.factories import admin_of, user
from shuxiang.network.divisions import load_divisions
from shuxiang.network.models import Division
from shuxiang.network.tests.factories import small_network
from shuxiang.portal.tests.browsing import artifacts_dir, chromium, horizontal_overflow, log_in

pytestmark = pytest.mark.browser

NARROW = {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True}

ANONYMOUS = [
    "/",
    "/s/330600/",
    "/sites/",
    "/topics/{topic}/",
    "/read/demo:lunyu/1/",
    "/search?q=越中",
    "/resources/",
    "/resources/{book}/",
    "/resources/{book}/chapters/1/",
    "/identifiers/",
    "/identifiers/record/{identifier}",
    "/network/",
    "/network/330600/",
    "/accounts/login/",
    "/accounts/register/",
    "/offline/",
]
READER = ["/accounts/me/", "/me/", "/s/330600/"]
ADMIN = [
    "/stats/",
    "/stats/330000/",
    "/stats/330000/assessment/",
    "/stats/outages/",
    "/curate/",
    "/curate/new/column/",
    "/curate/column/{column}/",
    "/resources/manage/",
    "/resources/manage/new/",
    "/resources/manage/{book}/",
    "/resources/manage/imports/",
    "/identifiers/mine/",
    "/identifiers/apply/",
    "/identifiers/review/",
    "/network/admissions/",
    "/network/330600/edit/",
]


@pytest.fixture(scope="module")
def browser():
    with chromium() as launched:
        yield launched


@pytest.fixture
def node(transactional_db, live_server, monkeypatch, tmp_path):
    """A live node with every kind of page to visit, and the values that fill the paths."""
    from huey.contrib.djhuey import HUEY

    from shuxiang.catalog.search import base
    from shuxiang.catalog.search.tantivy_backend import TantivyBackend
    from shuxiang.identifiers.demo import load_demo_identifiers
    from shuxiang.portal.demo import load_demo_portal
    from shuxiang.portal.models import Column, Topic
    from shuxiang.portal.tests.test_browser_resources import BOOK_TITLE, CHAPTERS, _publish
    from shuxiang.resources.epub import build_epub
    from shuxiang.resources.models import Collection

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM calls beside Playwright
    monkeypatch.setattr(HUEY, "immediate", True)
    base.set_backend(TantivyBackend(tmp_path / "index"))
    if not Division.objects.exists():
        load_divisions(progress=False)
    network = small_network()
    load_demo_portal()
    collection = Collection.objects.create(
        library=network["sx"], code="local", name="绍兴地方文献", kind=Collection.Kind.INDEPENDENT
    )
    epub = build_epub(BOOK_TITLE, "佚名", CHAPTERS, identifier="yuezhong-zaji")
    data = {"type": "ebook", "title": BOOK_TITLE, "creator": "佚名", "language": "zh-Hans"}
    book = _publish(collection, data, [("yuezhong.epub", epub)])
    names = load_demo_identifiers() or [""]
    user("reader")
    admin = admin_of(network["nlc"])
    values = {
        "book": book.pk,
        "topic": Topic.objects.first().pk,
        "column": Column.objects.filter(library=network["nlc"]).first().pk,
        "identifier": names[0],
    }
    yield {"url": live_server.url, "values": values, "admin": admin.username}
    base.set_backend(None)


def _walk(page, base: str, paths: list[str], values: dict, shots, who: str) -> list[str]:
    problems = []
    for path in paths:
        url = base + path.format(**values)
        response = page.goto(url)
        if response is None or response.status >= 400:
            problems.append(f"{who} {path}: HTTP {response.status if response else '-'}")
            continue
        wider = horizontal_overflow(page)
        if wider > 0:
            problems.append(f"{who} {path}: {wider}px wider than the screen")
        header = page.evaluate("() => document.querySelector('header.top').offsetHeight")
        if header > 120:  # two rows: brand and language, then the menu
            problems.append(f"{who} {path}: header {header}px tall")
        slug = path.format(**values).strip("/").replace("/", "_").replace("?", "_") or "home"
        name = f"narrow-{who}-{slug}.png"
        page.screenshot(path=str(shots / name))
    return problems


def test_every_page_fits_a_360px_screen_and_lists_carry_no_bullets(node, browser, tmp_path_factory):
    shots = artifacts_dir(tmp_path_factory)
    base, values = node["url"], node["values"]
    problems = []
    anonymous = browser.new_context(**NARROW, locale="zh-CN")
    problems += _walk(anonymous.new_page(), base, ANONYMOUS, values, shots, "anonymous")
    anonymous.close()
    reader = browser.new_context(**NARROW, locale="zh-CN")
    page = reader.new_page()
    log_in(page, base, "/accounts/me/")
    problems += _walk(page, base, READER, values, shots, "reader")
    reader.close()
    staff = browser.new_context(**NARROW, locale="zh-CN")
    page = staff.new_page()
    log_in(page, base, "/stats/", username=node["admin"])
    problems += _walk(page, base, ADMIN, values, shots, "admin")
    staff.close()
    assert not problems, "\n".join(problems)
    _resource_list_has_no_bullets_or_indentation(browser, base)


def _resource_list_has_no_bullets_or_indentation(browser, base: str) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    page = context.new_page()
    page.goto(base + "/resources/")
    style = page.eval_on_selector(
        "main ul.cards",
        "e => [getComputedStyle(e).listStyleType, getComputedStyle(e).paddingLeft,"
        " e.getBoundingClientRect().left"
        " - document.querySelector('main h1').getBoundingClientRect().left]",
    )
    assert style[0] == "none" and style[1] == "0px"
    assert style[2] <= 6  # the cards line up with the heading, not indented
    context.close()
