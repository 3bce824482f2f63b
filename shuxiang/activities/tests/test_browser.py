"""The campaign site in Chromium at 390 px (phone) and 1280 px: a reader likes a work.

Screenshots go to ``$SHUXIANG_TEST_ARTIFACTS`` (docs/screenshots/activities/ when refreshed).
"""

from __future__ import annotations

import pytest
from django.core.files.base import ContentFile

from shuxiang.accounts.tests.factories import READER_PASSWORD, reader
from shuxiang.activities import audio, likes
from shuxiang.activities.models import Like, Work
from shuxiang.activities.tests import factories
from shuxiang.network.tests.factories import small_network
from shuxiang.portal.tests.browsing import artifacts_dir, chromium, horizontal_overflow

pytestmark = pytest.mark.browser
SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


@pytest.fixture
def site(transactional_db, live_server):
    net = small_network()
    campaign = factories.campaign(net["zj"], poems=4)
    first = campaign.poems.first()
    first.model_reading.save("r.ogg", ContentFile(audio.spoken(first.text) or b""))
    guardian = reader(net["zhuji"], mobile="13900000098")
    for name in ("王小萌", "李思远", "欧阳明月"):
        factories.work(factories.entrant(campaign, guardian, name=name))
    reader(net["sx"], mobile="13900000099")
    return live_server.url, campaign


def test_a_reader_likes_a_work_on_a_phone_and_pages_fit(site, tmp_path_factory):
    base, campaign = site
    shots = artifacts_dir(tmp_path_factory)
    with chromium() as browser:
        for size, viewport in SIZES.items():
            context = browser.new_context(
                viewport=viewport,
                locale="zh-CN",
                is_mobile=size == "phone",
                has_touch=size == "phone",
            )
            page = context.new_page()
            for tab in ("", "record/", "poems/", "ranking/", "readings/"):
                page.goto(f"{base}/activities/{campaign.slug}/{tab}")
                assert horizontal_overflow(page) == 0, (size, tab)
                page.screenshot(
                    path=str(shots / f"{size}-{tab.strip('/') or 'home'}.png"), full_page=True
                )
            context.close()
        page = browser.new_context(viewport=SIZES["phone"], locale="zh-CN").new_page()
        page.goto(f"{base}/accounts/login/?next=/activities/{campaign.slug}/ranking/")
        page.fill("#id_identifier", "13900000099")
        page.fill("#id_password", READER_PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        page.goto(f"{base}/activities/{campaign.slug}/ranking/")
        page.click(".act-rank a >> nth=0")
        assert "王*萌" in page.content() or "李*远" in page.content() or "欧**月" in page.content()
        page.click("form[action$='/like'] button")
        page.wait_for_load_state()
        assert Like.objects.count() == 1
        assert "今天已点赞" in page.content()
        page.screenshot(path=str(shots / "phone-work.png"), full_page=True)


def test_a_guardian_uploads_a_recording_resumably_from_the_phone(site, tmp_path):
    base, campaign = site
    wav = tmp_path / "recording.wav"
    wav.write_bytes(factories.tone(2.0))
    with chromium() as browser:
        page = browser.new_context(viewport=SIZES["phone"], locale="zh-CN").new_page()
        page.goto(f"{base}/accounts/login/?next=/activities/{campaign.slug}/record/")
        page.fill("#id_identifier", "13900000098")
        page.fill("#id_password", READER_PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_load_state()
        page.goto(f"{base}/activities/{campaign.slug}/record/")
        page.set_input_files("#rec", str(wav))
        with page.expect_navigation(url="**/activities/works/**"):
            page.click("#recording-form button[type=submit]")
        token = page.url.rstrip("/").rsplit("/", 1)[-1]
        work = Work.objects.get(token=token)
        assert work.entrant.guardian.mobile_hash and work.audio
        assert len(token) == 20  # named after the tus upload: it came the resumable way


def _login(context, base: str, identifier: str, password: str):
    page = context.new_page()
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_identifier", identifier)
    page.fill("#id_password", password)
    page.click("main button[type=submit]")
    page.wait_for_load_state()
    return page


def test_a_judge_scores_blind_and_the_organiser_ranks_on_phone_and_desktop(site, tmp_path_factory):
    from shuxiang.accounts.tests.factories import PASSWORD, staff_of
    from shuxiang.activities import judges, judging
    from shuxiang.core.actors import SYSTEM

    base, campaign = site
    net_library = campaign.library
    for work in Work.objects.filter(campaign=campaign):
        likes.like(work, by=reader(net_library, real_name=False))
    judging.draw_shortlist(campaign)
    judges.appoint(campaign, str(reader(net_library, mobile="13900000097").pk), by=SYSTEM)
    organiser = staff_of(net_library, "librarian")
    shots = artifacts_dir(tmp_path_factory)
    with chromium() as browser:
        for size, viewport in SIZES.items():
            context = browser.new_context(viewport=viewport, locale="zh-CN")
            page = _login(context, base, "13900000097", READER_PASSWORD)
            page.goto(f"{base}/activities/{campaign.slug}/judge/")
            if size == "phone":
                card = page.locator(".act-card >> nth=0")
                card.locator("input[name=mark-pronunciation]").fill("１０１")
                card.locator("input[name=mark-expression]").fill("80")
                card.locator("button").click()
                page.wait_for_load_state()
                assert "marks.pronunciation" in page.content()
                card = page.locator(".act-card >> nth=0")
                card.locator("input[name=mark-pronunciation]").fill("９０")
                card.locator("input[name=mark-expression]").fill("80")
                card.locator("button").click()
                page.wait_for_load_state()
                assert "已评 1 / 3" in page.content()
            for name in ("王", "李", "欧"):
                assert f"{name}*" not in page.content()
            assert horizontal_overflow(page) == 0, size
            page.screenshot(path=str(shots / f"{size}-judge.png"), full_page=True)
            staff = _login(
                browser.new_context(viewport=viewport, locale="zh-CN"),
                base,
                organiser.username,
                PASSWORD,
            )
            staff.goto(f"{base}/activities/{campaign.slug}/results/")
            assert horizontal_overflow(staff) == 0, size
            staff.screenshot(path=str(shots / f"{size}-results.png"), full_page=True)
            context.close()
