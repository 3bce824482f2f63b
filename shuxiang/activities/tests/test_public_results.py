"""The public results page (获奖名单) and its API: nothing before publication, masked after.

Everyone — anonymous visitors and readers — reads ``/activities/<slug>/results/`` and
``GET /api/v1/activities/campaigns/<slug>/results``. Before the organiser publishes, both say
"not yet published" and show no name, score, prize or work; afterwards they list the judged
works by place with prize, masked name, library, poem and a link to the work, never the judges'
marks. The host's staff keep the organiser's page at the same address.
"""

import pytest
from django.test import Client

from shuxiang.accounts.tests.factories import PASSWORD, READER_PASSWORD, reader, staff_of
from shuxiang.activities import fraud, judges, judging, likes
from shuxiang.activities.tests import factories
from shuxiang.core.actors import SYSTEM

NAMES = ("王小萌", "李思远", "欧阳明月")
MASKED = ("王*萌", "李*远", "欧**月")
MARKS = ((61, 58), (97, 92), (83, 71))  # weighted totals 60.0, 95.33, 79.0
TOTALS = ("60.0", "95.33", "79.0")


@pytest.fixture
def judged(net):
    """Three shortlisted works scored by an appointed judge; prizes recorded, not published."""
    campaign = factories.campaign(net["zj"])
    guardian = reader(net["zhuji"])
    works = []
    for name in NAMES:
        work = factories.bare_work(factories.entrant(campaign, guardian, name=name))
        likes.like(work, by=reader(net["sx"], real_name=False))
        works.append(work)
    assert judging.draw_shortlist(campaign) == 3
    judge = reader(net["sx"], mobile="13900000061")
    judges.appoint(campaign, str(judge.pk), by=SYSTEM)
    for work, (pronunciation, expression) in zip(works, MARKS, strict=True):
        work.refresh_from_db()
        marks = {"pronunciation": pronunciation, "expression": expression}
        judging.score(work, marks, by=judge)
    judging.award(works[1], "一等奖", by=SYSTEM)
    judging.award(works[2], "二等奖", by=SYSTEM)
    return {"campaign": campaign, "works": works, "net": net, "guardian": guardian}


def _reader_client(net) -> Client:
    client = Client()
    reader(net["hz"], mobile="13900000062")
    assert client.login(username="13900000062", password=READER_PASSWORD)
    return client


def _page(client: Client, campaign) -> str:
    answer = client.get(f"/activities/{campaign.slug}/results/")
    assert answer.status_code == 200
    return answer.content.decode()


def _api(client: Client, campaign) -> dict:
    answer = client.get(f"/api/v1/activities/campaigns/{campaign.slug}/results")
    assert answer.status_code == 200
    return answer.json()


def test_before_publication_visitors_and_readers_read_not_yet_published_and_nothing_else(judged):
    campaign, works = judged["campaign"], judged["works"]
    for client in (Client(), _reader_client(judged["net"])):
        page = _page(client, campaign)
        assert "结果尚未公布" in page
        assert campaign.results_on.isoformat() in page
        for secret in (*NAMES, *MASKED, *TOTALS, "一等奖", "二等奖"):
            assert secret not in page, secret
        for work in works:
            assert work.token not in page
        data = _api(client, campaign)
        assert data == {
            "published": False,
            "results_on": campaign.results_on.isoformat(),
            "works": [],
        }


def test_after_publication_everyone_sees_places_prizes_masked_names_and_links(judged):
    campaign, works = judged["campaign"], judged["works"]
    judges.publish_results(campaign, by=SYSTEM)
    zhuji = judged["net"]["zhuji"].name
    for client in (Client(), _reader_client(judged["net"])):
        page = _page(client, campaign)
        assert "结果尚未公布" not in page
        ranking = page[page.index("评审排名") :]
        assert ranking.index("李*远") < ranking.index("欧**月") < ranking.index("王*萌")
        for name in NAMES:
            assert name not in page
        for total in TOTALS:  # the judges' marks stay with the organiser
            assert total not in page
        assert "一等奖" in page and "二等奖" in page and zhuji in page
        assert "《静夜思》" in page or f"《{works[0].poem.title}》" in page
        for work in works:
            assert f'href="/activities/works/{work.token}/"' in page
        data = _api(client, campaign)
        assert data["published"] is True
        assert [row["name"] for row in data["works"]] == ["李*远", "欧**月", "王*萌"]
        assert [row["place"] for row in data["works"]] == [1, 2, 3]
        assert [row["prize"] for row in data["works"]] == ["一等奖", "二等奖", ""]
        assert data["works"][0]["work"] == works[1].token
        assert set(data["works"][0]) == {"place", "prize", "work", "name", "poem", "library"}
        assert data["works"][0]["library"] == judged["net"]["zhuji"].code


def test_the_campaign_home_links_the_results_only_once_published(judged):
    campaign = judged["campaign"]
    link = f'href="/activities/{campaign.slug}/results/"'
    home = Client().get(f"/activities/{campaign.slug}/").content.decode()
    assert link not in home and "评审结果已公布" not in home
    judges.publish_results(campaign, by=SYSTEM)
    home = Client().get(f"/activities/{campaign.slug}/").content.decode()
    assert link in home and "评审结果已公布" in home
    campaign_api = Client().get(f"/api/v1/activities/campaigns/{campaign.slug}").json()
    assert campaign_api["results_published"] is True


def test_disqualified_and_hidden_works_are_not_listed_publicly(judged):
    campaign, works = judged["campaign"], judged["works"]
    staff = staff_of(judged["net"]["zj"], "librarian")
    fraud.disqualify(works[0], reason="恶意刷赞", by=staff)
    judges.publish_results(campaign, by=SYSTEM)
    page = _page(Client(), campaign)
    assert "王*萌" not in page and works[0].token not in page
    assert [row["name"] for row in _api(Client(), campaign)["works"]] == ["李*远", "欧**月"]


def test_an_erased_guardians_child_is_listed_as_a_star(judged):
    from shuxiang.accounts.privacy import erase_account

    campaign = judged["campaign"]
    judges.publish_results(campaign, by=SYSTEM)
    erase_account(judged["guardian"], READER_PASSWORD, by=judged["guardian"])
    names = [row["name"] for row in _api(Client(), campaign)["works"]]
    assert names == ["*", "*", "*"]
    page = _page(Client(), campaign)
    for masked in MASKED:
        assert masked not in page


def test_staff_keep_the_organisers_page_and_can_preview_the_public_one(judged):
    campaign = judged["campaign"]
    staff = staff_of(judged["net"]["zj"], "librarian")
    client = Client()
    assert client.login(username=staff.username, password=PASSWORD)
    organiser = _page(client, campaign)
    assert 'value="publish"' in organiser and "95.33" in organiser
    public = client.get(f"/activities/{campaign.slug}/results/?view=public").content.decode()
    assert "结果尚未公布" in public and 'value="publish"' not in public
    refused = Client().post(f"/activities/{campaign.slug}/results/", {"action": "publish"})
    assert refused.status_code == 302 and "/accounts/login/" in refused["Location"]
    reader_post = _reader_client(judged["net"]).post(
        f"/activities/{campaign.slug}/results/", {"action": "publish"}
    )
    assert reader_post.status_code == 403
    campaign.refresh_from_db()
    assert not campaign.results_published


def test_a_shortlisted_work_no_judge_scored_comes_last_on_every_database(judged, net):
    campaign = judged["campaign"]
    late = factories.bare_work(factories.entrant(campaign, judged["guardian"], name="赵雨桐"))
    likes.like(late, by=reader(net["sx"], real_name=False))
    assert judging.draw_shortlist(campaign, redraw=True) == 4
    assert [r["name"] for r in judging.results(campaign)][-1] == "赵*桐"
    judges.publish_results(campaign, by=SYSTEM)
    names = [row["name"] for row in _api(Client(), campaign)["works"]]
    assert names == ["李*远", "欧**月", "王*萌", "赵*桐"]
