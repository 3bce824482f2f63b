"""End to end with real resources: a reader finds an EPUB book by search and reads it on two
devices; a video plays with WebVTT subtitles; the search and resource pages pass axe-core.

Everything is made through the resources services (an EPUB built with ebooklib, a two-second
video made by ffmpeg), published, indexed by the catalog and served by a live server to
Debian's headless Chromium at a phone viewport. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import io
import shutil
import subprocess

import pytest

from shuxiang.accounts.tests.factories import user
from shuxiang.core.actors import SYSTEM
from shuxiang.network.divisions import load_divisions
from shuxiang.network.models import Division
from shuxiang.network.tests.factories import small_network
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
from shuxiang.resources import services
from shuxiang.resources.epub import build_epub
from shuxiang.resources.models import Collection, ResourceFile

pytestmark = pytest.mark.browser

BOOK_TITLE = "越中杂记"
CHAPTERS = [
    ("卷一 山川", "会稽山在城东南。\n若耶溪出其下。"),
    ("卷二 风俗", "越人善舟楫。\n岁时有社戏。"),
    ("卷三 人物", "王羲之尝居于此。\n兰亭在其西南。"),
    ("卷四 物产", "黄酒出绍兴。\n茶出平水。"),
]
SUBTITLES = "WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n兰亭\n\n00:00:01.000 --> 00:00:02.000\n书香\n"


def _video(folder) -> bytes:
    ffmpeg = shutil.which("ffmpeg")
    assert ffmpeg, "install ffmpeg (scripts/setup-system)"
    target = folder / "clip.mp4"
    command = [ffmpeg, "-v", "error", "-y", "-f", "lavfi"]
    command += ["-i", "testsrc=duration=2:size=320x240:rate=10", "-pix_fmt", "yuv420p"]
    subprocess.run([*command, str(target)], check=True, timeout=120)
    return target.read_bytes()


def _publish(collection, data: dict, files: list[tuple[str, bytes]]):
    uploads = [services.Upload(name, io.BytesIO(body)) for name, body in files]
    resource = services.create_resource(data, collection=collection, by=SYSTEM, files=uploads)
    services.submit(resource, by=SYSTEM)
    return services.publish(resource, by=SYSTEM)


@pytest.fixture
def library_site(transactional_db, live_server, monkeypatch, tmp_path):
    """A live node with a published EPUB book and a subtitled video of the Shaoxing library.

    Derivatives (chapters, poster) are made inline and the catalog indexes each resource when
    its publishing commits, into a search index of this test's own.
    """
    from huey.contrib.djhuey import HUEY

    from shuxiang.catalog.search import base
    from shuxiang.catalog.search.tantivy_backend import TantivyBackend

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # ORM calls beside Playwright
    monkeypatch.setattr(HUEY, "immediate", True)
    base.set_backend(TantivyBackend(tmp_path / "index"))
    if not Division.objects.exists():
        load_divisions(progress=False)
    shaoxing = small_network()["sx"]
    collection = Collection.objects.create(
        library=shaoxing, code="local", name="绍兴地方文献", kind=Collection.Kind.INDEPENDENT
    )
    epub = build_epub(BOOK_TITLE, "佚名", CHAPTERS, identifier="yuezhong-zaji")
    book = _publish(
        collection,
        {"type": "ebook", "title": BOOK_TITLE, "creator": "佚名", "language": "zh-Hans"},
        [("yuezhong.epub", epub)],
    )
    video = _publish(
        collection,
        {"type": "video", "subtype": "lecture", "title": "兰亭讲座", "creator": "绍兴图书馆"},
        [("lanting.mp4", _video(tmp_path)), ("lanting.vtt", SUBTITLES.encode())],
    )
    assert book.files.filter(role=ResourceFile.Role.CHAPTER).count() == 4
    assert video.files.filter(role=ResourceFile.Role.SUBTITLES).count() == 1
    user("reader")
    yield {"url": live_server.url, "book": book, "video": video}
    base.set_backend(None)


def test_a_reader_finds_a_book_by_search_and_resumes_it_on_a_second_device(library_site, browser):
    site, book = library_site["url"], library_site["book"]
    errors: list[str] = []
    phone, page = phone_page(browser, errors)
    log_in(page, site, "/search")
    page.fill("#q", "越中")
    page.click("form.search-form button[type=submit]")
    page.screenshot(path=str(ARTIFACTS / "search-results-phone.png"), full_page=True)
    page.click(f"ol.hits h2 a:has-text('{BOOK_TITLE}')")
    assert page.url.endswith(f"/resources/{book.pk}/")
    page.click("a.read")
    assert page.url.endswith(f"/read/resource:{book.pk}/1/")
    assert page.inner_text("#chapter h2") == "卷一 山川"
    page.click("details.settings summary")
    for _step in range(2):
        with page.expect_response(lambda r: "me/preferences" in r.url and r.ok):
            page.click("button[data-step='2']")
    assert font_size(page) == "22px"
    page.click("a[rel=next]")
    assert page.url.endswith(f"/read/resource:{book.pk}/2/")
    page.select_option("#jump-to", "3")
    with page.expect_response(lambda r: saves_position_in(r, 2)):  # the new page's save
        page.click("form.jump button[type=submit]")
    assert page.url.endswith(f"/read/resource:{book.pk}/3/")
    assert page.inner_text("#chapter h2") == "卷三 人物"
    page.screenshot(path=str(ARTIFACTS / "resource-book-chapter3.png"))
    page.click("header form.inline button[type=submit]")  # log out
    page.wait_for_load_state()
    phone.close()

    tablet, other = phone_page(browser, errors)
    log_in(other, site, f"/read/resource:{book.pk}/")
    assert other.url.endswith(f"/read/resource:{book.pk}/3/")
    assert other.inner_text("#chapter h2") == "卷三 人物"
    assert "兰亭在其西南。" in other.inner_text("#chapter")
    assert font_size(other) == "22px"
    other.screenshot(path=str(ARTIFACTS / "resource-book-resumed.png"))
    tablet.close()
    assert errors == []  # no script errors and no Content-Security-Policy violations


def test_a_video_plays_with_webvtt_subtitles(library_site, browser):
    site, video = library_site["url"], library_site["video"]
    errors: list[str] = []
    context, page = phone_page(browser, errors)
    page.goto(f"{site}/resources/{video.pk}/")
    assert page.locator("video track[kind=subtitles]").count() == 1
    page.evaluate(
        "() => { const v = document.querySelector('video'); v.muted = true;"
        " v.textTracks[0].mode = 'showing'; return v.play(); }"
    )
    assert eventually(page, "() => document.querySelector('video').currentTime > 0.3")
    assert eventually(
        page,
        "() => { const t = document.querySelector('video').textTracks[0];"
        " return t.kind === 'subtitles' && t.cues !== null && t.cues.length > 0; }",
    )
    cues = page.evaluate(
        "() => Array.from(document.querySelector('video').textTracks[0].cues, c => c.text)"
    )
    assert cues == ["兰亭", "书香"]
    page.screenshot(path=str(ARTIFACTS / "resource-video-subtitles.png"))
    context.close()
    assert errors == []


def test_the_search_and_resource_pages_have_no_serious_accessibility_violations(
    library_site, browser
):
    assert AXE.exists(), "run scripts/setup (npm install puts axe-core in node_modules)"
    site, book, video = (library_site[k] for k in ("url", "book", "video"))
    context = browser.new_context(**PHONE, bypass_csp=True)  # lets the test inject axe
    page = context.new_page()
    for path in (
        "/search?q=越中",
        "/search?q=没有这样的书",
        f"/resources/{book.pk}/",
        f"/resources/{video.pk}/",
        f"/read/resource:{book.pk}/2/",
    ):
        page.goto(site + path)
        assert serious_violations(page) == [], path
    context.close()


def test_the_device_keeps_public_chapters_offline_but_not_ones_that_needed_a_login(
    library_site, browser
):
    site, book = library_site["url"], library_site["book"]
    epub = build_epub("馆内读本", "佚名", CHAPTERS, identifier="members-only")
    data = {"type": "ebook", "title": "馆内读本", "creator": "佚名", "access": "registered"}
    closed = _publish(book.collection, data, [("members.epub", epub)])
    errors: list[str] = []
    context, page = phone_page(browser, errors)
    log_in(page, site, f"/read/resource:{book.pk}/1/")
    assert eventually(page, "() => navigator.serviceWorker.controller !== null")
    cached = "async () => !!(await caches.match(location.href, {ignoreVary: true}))"
    page.goto(f"{site}/read/resource:{book.pk}/2/")
    assert eventually(page, cached)
    page.goto(f"{site}/read/resource:{closed.pk}/2/")
    assert page.inner_text("#chapter h2") == "卷二 风俗"  # the signed-in reader reads it
    page.wait_for_timeout(500)  # time enough for a (wrong) cache write to land
    assert page.evaluate(cached) is False
    assert errors == []  # offline, the reader's position saves fail as they should
    context.set_offline(True)
    page.goto(f"{site}/read/resource:{book.pk}/2/")
    assert page.inner_text("#chapter h2") == "卷二 风俗"  # public: read from the cache
    page.goto(f"{site}/read/resource:{closed.pk}/2/")
    assert page.inner_text("h1") == "您已离线"  # restricted: never stored on the device
    context.close()
