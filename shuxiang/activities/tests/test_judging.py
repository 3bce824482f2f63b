"""Shortlist, blind judging, results and certificates."""

import io

import pypdfium2
import pytest

from shuxiang.accounts.tests.factories import reader, staff_of
from shuxiang.activities import judges, judging, likes
from shuxiang.activities.models import Work
from shuxiang.activities.tests import factories
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import Conflict, ValidationFailed


def _liked(work, count, net):
    for _ in range(count):
        likes.like(work, by=reader(net["sx"], real_name=False))


def test_each_childs_two_most_liked_works_with_a_like_go_to_judging(net):
    campaign = factories.campaign(net["zj"])
    child = factories.entrant(campaign, reader(net["zhuji"]))
    other = factories.entrant(campaign, reader(net["zhuji"]), name="李明")
    works = [factories.bare_work(child) for _ in range(3)]
    unliked = factories.bare_work(other)
    for work, count in zip(works, (1, 3, 2), strict=True):
        _liked(work, count, net)
    assert judging.draw_shortlist(campaign) == 2
    assert set(Work.objects.filter(shortlisted=True)) == {works[1], works[2]}
    assert not Work.objects.get(pk=unliked.pk).shortlisted


def test_the_task_draws_shortlists_only_after_the_like_period(net):
    campaign = factories.campaign(net["zj"])
    assert judging.due_shortlists() == 0
    campaign.like_end = campaign.like_start
    campaign.save()
    judging.due_shortlists()
    campaign.refresh_from_db()
    assert campaign.shortlisted_at


def test_judges_score_blind_and_the_certificate_shows_the_masked_name(net):
    campaign = factories.campaign(net["zj"])
    work = factories.bare_work(factories.entrant(campaign, reader(net["zhuji"]), name="王小萌"))
    judge = staff_of(net["zj"], "librarian")
    judges.appoint(campaign, judge.username, by=SYSTEM)
    with pytest.raises(Conflict):
        judging.score(work, {"pronunciation": 90, "expression": 80}, by=judge)
    _liked(work, 1, net)
    judging.draw_shortlist(campaign)
    work.refresh_from_db()
    with pytest.raises(ValidationFailed) as refused:
        judging.score(work, {"pronunciation": "１０１", "expression": 80}, by=judge)
    assert refused.value.errors[0].field == "marks.pronunciation"
    row = judging.score(work, {"pronunciation": 90, "expression": 60}, by=judge)
    assert row.total == 80.0
    assert judging.results(campaign)[0]["name"] == "王*萌"
    judging.award(work, "一等奖", by=SYSTEM)
    pdf = judging.certificate(work, by=work.entrant.guardian)
    text = pypdfium2.PdfDocument(io.BytesIO(pdf))[0].get_textpage().get_text_range()
    assert "王*萌" in text and "一等奖" in text and "王小萌" not in text


def test_guardians_hear_once_when_a_phase_opens(net):
    from shuxiang.activities.phases import announce_open_phases
    from shuxiang.activities.tests.factories import NOTICES

    campaign = factories.campaign(net["zj"])
    guardian = reader(net["zhuji"])
    factories.entrant(campaign, guardian)
    factories.entrant(campaign, guardian, name="王小明")
    assert announce_open_phases() == 3  # registration, submission and likes are open
    assert announce_open_phases() == 0
    assert NOTICES.filter(recipient=guardian).count() == 3


def test_guardians_hear_new_dates_once_per_change(net):
    import datetime as dt

    from shuxiang.activities import services
    from shuxiang.activities.tests.factories import NOTICES
    from shuxiang.core.errors import PermissionDenied
    from shuxiang.core.models import AuditEvent

    campaign = factories.campaign(net["zj"])
    guardian = reader(net["zhuji"])
    factories.entrant(campaign, guardian)
    factories.entrant(campaign, guardian, name="王小明")  # two children, one guardian
    staff = staff_of(net["zj"], "librarian")
    later = campaign.like_end + dt.timedelta(days=3)
    change = {"like_end": later.isoformat()}
    assert services.change_dates(campaign, change, by=staff) == ["like_end"]
    assert services.change_dates(campaign, change, by=staff) == []  # the same change again
    notices = NOTICES.filter(recipient=guardian)
    assert notices.count() == 1 and f"{later:%Y-%m-%d}" in notices.get().body
    assert AuditEvent.objects.filter(action="activities.change_dates").count() == 1
    with pytest.raises(ValidationFailed) as refused:
        services.change_dates(campaign, {"results_on": "２０２０-01-01"}, by=staff)
    assert refused.value.errors[0].field == "results_on"  # before judging_end
    with pytest.raises(ValidationFailed) as refused:
        services.change_dates(campaign, {"like_start": "2026-13-01"}, by=staff)
    assert refused.value.errors[0].field == "like_start"
    with pytest.raises(PermissionDenied):
        services.change_dates(campaign, {"like_end": "2099-01-01"}, by=guardian)
    assert notices.count() == 1
