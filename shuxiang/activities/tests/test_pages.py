"""The campaign site and API: five menu entries, masked names, likes by signed-in readers."""

import json

import pytest
from django.test import Client

from shuxiang.accounts.tests.factories import READER_PASSWORD, reader
from shuxiang.activities.tests import factories

MENU = ["record", "poems", "ranking", "readings"]


@pytest.fixture
def site(net, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):  # leaderboards update after commit
        campaign = factories.campaign(net["zj"])
        work = factories.work(factories.entrant(campaign, reader(net["zhuji"]), name="王小萌"))
    return campaign, work


def test_every_menu_page_answers_anonymously(site):
    campaign, _work = site
    client = Client()
    for tab in ["", *[f"{t}/" for t in MENU]]:
        page = client.get(f"/activities/{campaign.slug}/{tab}")
        assert page.status_code == 200, tab
        for label in ("我要诵读", "诗集", "排行", "范读", "我的"):
            assert label in page.content.decode()
    assert client.get(f"/activities/{campaign.slug}/mine/").status_code == 302


def test_the_work_page_shows_the_masked_name_a_player_and_a_qr_code(site):
    _campaign, work = site
    page = Client().get(f"/activities/works/{work.token}/").content.decode()
    assert "王*萌" in page and "王小萌" not in page
    assert "<audio" in page and "<svg" in page
    assert Client().get(f"/activities/works/{work.token}/audio").status_code == 200


def test_a_signed_in_reader_likes_once_a_day_through_the_api(
    site, net, django_capture_on_commit_callbacks
):
    campaign, work = site
    fan = reader(net["sx"], mobile="13900000077")
    client = Client()
    assert client.post(f"/api/v1/activities/works/{work.token}/like").status_code == 401
    client.login(username="13900000077", password=READER_PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(f"/api/v1/activities/works/{work.token}/like")
        again = client.post(f"/api/v1/activities/works/{work.token}/like")
    assert fan and first.json() == {"counted": True, "likes": 1}
    assert again.json()["counted"] is False
    rows = Client().get(f"/api/v1/activities/campaigns/{campaign.slug}/ranking").json()
    assert rows[0]["name"] == "王*萌" and rows[0]["likes"] == 1


def test_unknown_campaigns_and_works_are_404_in_the_api(db):
    client = Client()
    missing = client.get("/api/v1/activities/campaigns/nope/ranking")
    assert missing.status_code == 404 and json.loads(missing.content)["errors"][0]["field"]
    assert client.post("/api/v1/activities/works/zzz/like").status_code in (401, 404)
    assert client.get("/activities/works/zzz/").status_code == 404


def test_staff_see_findings_readers_do_not(site, net):
    from shuxiang.accounts.tests.factories import PASSWORD, staff_of

    campaign, _work = site
    staff = staff_of(net["zj"], "librarian")
    client = Client()
    client.login(username=staff.username, password=PASSWORD)
    assert client.get(f"/api/v1/activities/campaigns/{campaign.slug}/findings").status_code == 200
    assert client.get(f"/activities/{campaign.slug}/review/").status_code == 200
    reader(net["sx"], mobile="13900000078")
    other = Client()
    other.login(username="13900000078", password=READER_PASSWORD)
    answer = other.get(f"/api/v1/activities/campaigns/{campaign.slug}/findings")
    assert answer.status_code == 403


def test_the_cli_names_the_field_on_bad_input(site):
    from django.core.management import CommandError, call_command

    campaign, _work = site
    with pytest.raises(CommandError):
        call_command("activities", "void", campaign.slug, "--accounts", "1", "--reason", " ")
    with pytest.raises(CommandError):
        call_command("activities", "findings", "no-such-campaign")
    call_command("activities", "findings", campaign.slug)
