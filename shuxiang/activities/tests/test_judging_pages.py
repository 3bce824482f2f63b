"""Judging pages and API: judges appointed by staff score blind; the organiser ranks, awards."""

import datetime as dt
import json

import pytest
from django.test import Client

from shuxiang.accounts.tests.factories import PASSWORD, READER_PASSWORD, reader, staff_of
from shuxiang.activities import judging, likes
from shuxiang.activities.models import Judge, Score
from shuxiang.activities.tests import factories
from shuxiang.core.models import AuditEvent

NAMES = ("王小萌", "李思远", "欧阳明月")


@pytest.fixture
def contest(net):
    campaign = factories.campaign(net["zj"])
    guardian = reader(net["zhuji"])
    works = []
    for count, name in zip((3, 1, 2), NAMES, strict=True):
        work = factories.bare_work(factories.entrant(campaign, guardian, name=name))
        for _ in range(count):
            likes.like(work, by=reader(net["sx"], real_name=False))
        works.append(work)
    assert judging.draw_shortlist(campaign) == 3
    for work in works:
        work.refresh_from_db()
    staff = staff_of(net["zj"], "librarian")
    judge = reader(net["sx"], mobile="13900000051")
    return {"campaign": campaign, "works": works, "staff": staff, "judge": judge, "net": net}


def _as_staff(contest) -> Client:
    client = Client()
    client.login(username=contest["staff"].username, password=PASSWORD)
    return client


def _as_reader(mobile: str) -> Client:
    client = Client()
    client.login(username=mobile, password=READER_PASSWORD)
    return client


def _appoint(contest, account: str) -> None:
    page = _as_staff(contest).post(
        f"/activities/{contest['campaign'].slug}/judges/", {"account": account}
    )
    assert page.status_code == 302


def test_staff_appoint_a_reader_as_judge_and_it_is_audited(contest):
    _appoint(contest, str(contest["judge"].pk))
    assert Judge.objects.filter(campaign=contest["campaign"], account=contest["judge"]).exists()
    assert AuditEvent.objects.filter(action="activities.appoint_judge").count() == 1
    api = _as_staff(contest).post(
        f"/api/v1/activities/campaigns/{contest['campaign'].slug}/judges",
        {"account": "no-such-user"},
        content_type="application/json",
    )
    assert api.status_code == 400 and api.json()["errors"][0]["field"] == "account"
    stranger = _as_reader("13900000051").get(f"/activities/{contest['campaign'].slug}/judges/")
    assert stranger.status_code == 403


def test_a_judge_never_sees_names_likes_or_libraries(contest):
    _appoint(contest, str(contest["judge"].pk))
    slug = contest["campaign"].slug
    client = _as_reader("13900000051")
    html = client.get(f"/activities/{slug}/judge/").content.decode()
    answer = client.get(f"/api/v1/activities/campaigns/{slug}/judging")
    assert answer.status_code == 200
    data = answer.json()
    text = json.dumps(data, ensure_ascii=False)
    for name in NAMES:
        for shown in (name, name[0] + "*"):
            assert shown not in html and shown not in text
    for work in contest["works"]:
        assert work.token not in html and work.token not in text
    assert contest["net"]["zhuji"].name not in html and contest["net"]["zhuji"].name not in text
    assert "like" not in text.lower() and "赞" not in html
    assert data["total"] == 3 and data["scored"] == 0
    assert set(data["works"][0]) == {"code", "poem", "audio", "marks", "total"}
    codes = {judging.blind_code(w) for w in contest["works"]}
    assert {w["code"] for w in data["works"]} == codes and all(c in html for c in codes)


def test_a_non_judge_is_refused_on_the_page_and_in_the_api(contest):
    slug, code = contest["campaign"].slug, judging.blind_code(contest["works"][0])
    for client in (_as_staff(contest), _as_reader("13900000051")):
        assert client.get(f"/activities/{slug}/judge/").status_code == 403
        assert client.get(f"/api/v1/activities/campaigns/{slug}/judging").status_code == 403
        put = client.put(
            f"/api/v1/activities/campaigns/{slug}/judging/{code}",
            {"marks": {"pronunciation": 90, "expression": 90}},
            content_type="application/json",
        )
        assert put.status_code == 403
    assert Client().get(f"/api/v1/activities/campaigns/{slug}/judging").status_code == 401
    assert not Score.objects.exists()


def test_scores_are_validated_naming_the_field(contest):
    _appoint(contest, str(contest["judge"].pk))
    slug, code = contest["campaign"].slug, judging.blind_code(contest["works"][0])
    client = _as_reader("13900000051")
    url = f"/api/v1/activities/campaigns/{slug}/judging/{code}"
    for bad in ("１０１", "٩٠", "abc", "-1", "00000050", 10**30):
        put = client.put(
            url,
            {"marks": {"pronunciation": bad, "expression": 80}},
            content_type="application/json",
        )
        assert put.status_code == 400, bad
        assert put.json()["errors"][0]["field"] == "marks.pronunciation", bad
    missing = client.put(url, {"marks": {"pronunciation": 80}}, content_type="application/json")
    assert missing.json()["errors"][0]["field"] == "marks.expression"
    good = client.put(
        url, {"marks": {"pronunciation": "９０", "expression": 60}}, content_type="application/json"
    )
    assert good.status_code == 200 and good.json() == {"code": code, "total": 80.0}
    page = client.post(
        f"/activities/{slug}/judge/",
        {"code": code, "mark-pronunciation": "1000", "mark-expression": "5"},
        follow=True,
    ).content.decode()
    assert "marks.pronunciation" in page
    assert 'value="1"' in page  # progress: one of three scored
    assert AuditEvent.objects.filter(action="activities.score_work").count() == 1


def test_results_rank_by_the_mean_of_weighted_scores_and_prizes_give_certificates(contest, net):
    campaign, works = contest["campaign"], contest["works"]
    second = staff_of(net["zj"], "librarian")
    _appoint(contest, str(contest["judge"].pk))
    _appoint(contest, second.username)
    marks = {  # (pronunciation ×2, expression ×1) → weighted means per judge
        0: [(60, 60), (70, 70)],  # 60, 70 → 65
        1: [(90, 60), (100, 100)],  # 80, 100 → 90
        2: [(80, 80)],  # 80 (one judge only) → 80
    }
    for index, sheets in marks.items():
        for (p, e), judge in zip(sheets, (contest["judge"], second), strict=False):
            judging.score(works[index], {"pronunciation": p, "expression": e}, by=judge)
    ranked = judging.results(campaign)
    assert [r["work"].pk for r in ranked] == [works[1].pk, works[2].pk, works[0].pk]
    assert [r["average"] for r in ranked] == [90.0, 80.0, 65.0]
    staff = _as_staff(contest)
    page = staff.get(f"/activities/{campaign.slug}/results/").content.decode()
    assert page.index("李*远") < page.index("欧**月") < page.index("王*萌")
    staff.post(f"/activities/{campaign.slug}/results/", {"work": works[1].token, "prize": "一等奖"})
    staff.post(f"/activities/{campaign.slug}/results/", {"action": "publish"})
    campaign.refresh_from_db()
    assert campaign.results_published
    page = staff.get(f"/activities/{campaign.slug}/results/").content.decode()
    assert f"/activities/works/{works[1].token}/certificate.pdf" in page
    pdf = staff.get(f"/activities/works/{works[1].token}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    refused = _as_reader("13900000051").get(f"/activities/works/{works[1].token}/certificate.pdf")
    assert refused.status_code == 403
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"activities.award_prize", "activities.publish_results"} <= actions


def test_staff_move_dates_on_the_page_and_api_and_guardians_hear_once(contest):
    from shuxiang.activities.tests.factories import NOTICES

    campaign = contest["campaign"]
    new = (campaign.results_on + dt.timedelta(days=9)).isoformat()
    staff = _as_staff(contest)
    fields = {"action": "dates", "results_on": new}
    for _ in range(2):  # a double submit
        assert staff.post(f"/activities/{campaign.slug}/review/", fields).status_code == 302
    guardian = campaign.entrants.first().guardian
    assert NOTICES.filter(recipient=guardian, body__contains=new).count() == 1
    api = staff.patch(
        f"/api/v1/activities/campaigns/{campaign.slug}/dates",
        {"results_on": new},
        content_type="application/json",
    )
    assert api.status_code == 200 and api.json() == {"changed": []}
    bad = staff.patch(
        f"/api/v1/activities/campaigns/{campaign.slug}/dates",
        {"judging_end": new, "results_on": campaign.like_end.isoformat()},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "results_on"
