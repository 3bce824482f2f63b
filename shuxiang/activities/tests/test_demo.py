"""The demo campaigns: a judge to log in as, and last year's edition with published results.

The demo judge ``zj_judge`` (password ``demo2026``, as every demo login; no staff role) judges
this year's edition and last year's. Last year's is over: its shortlist was scored by the judge,
prizes awarded and the results published, so the public results page has something to show.
"""

from django.test import Client

from shuxiang.accounts.demo import DEMO_PASSWORD
from shuxiang.accounts.models import StaffRole
from shuxiang.activities import demo, judging, phases
from shuxiang.activities.models import Campaign, Judge, Score, Work


def test_the_demo_judge_judged_last_years_edition_whose_results_are_public(net):
    said: list[str] = []
    demo.load_demo_campaign(say=said.append)  # one load: espeak reads twenty poems
    assert any("zj_judge" in line for line in said)

    # The judge: a dedicated account with the demo password, no staff role, judge of both.
    client = Client()
    assert client.login(username=demo.JUDGE, password=DEMO_PASSWORD)
    judge = Judge.objects.filter(account__username=demo.JUDGE)
    assert sorted(judge.values_list("campaign__slug", flat=True)) == [demo.PAST_SLUG, demo.SLUG]
    assert not StaffRole.objects.filter(user__username=demo.JUDGE).exists()
    assert client.get(f"/activities/{demo.SLUG}/judge/").status_code == 200
    sheet = client.get(f"/activities/{demo.PAST_SLUG}/judge/")
    assert sheet.status_code == 200
    shortlisted = Work.objects.filter(campaign__slug=demo.PAST_SLUG, shortlisted=True)
    assert shortlisted.count() == len(demo.CHILDREN)
    scored = Score.objects.filter(work__in=shortlisted, judge__username=demo.JUDGE)
    assert scored.count() == len(demo.CHILDREN)

    # Last year's edition is over and published; this year's is in its like period.
    past = Campaign.objects.get(slug=demo.PAST_SLUG)
    current = Campaign.objects.get(slug=demo.SLUG)
    assert past.results_published and not current.results_published
    assert phases.is_open(past, "results") and phases.is_open(current, "liking")
    assert [r["prize"] for r in judging.results(past)] == demo.PRIZES
    page = Client().get(f"/activities/{demo.PAST_SLUG}/results/").content.decode()
    assert "一等奖" in page and "王*萌" in page and "王小萌" not in page
    assert "结果尚未公布" in Client().get(f"/activities/{demo.SLUG}/results/").content.decode()

    # Loading again adds nothing.
    counts = (Campaign.objects.count(), Work.objects.count(), Score.objects.count())
    again: list[str] = []
    demo.load_demo_campaign(say=again.append)
    assert again == []
    assert (Campaign.objects.count(), Work.objects.count(), Score.objects.count()) == counts
