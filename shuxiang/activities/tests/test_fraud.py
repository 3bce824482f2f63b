"""Like-farming (刷赞): a lockstep farm with camouflage among 1,000 honest readers is found,
shown with evidence, voided (reversibly, audited), and the honest ranking comes back."""

import pytest

from shuxiang.accounts.tests.factories import reader
from shuxiang.activities import fraud
from shuxiang.activities.boards import board
from shuxiang.activities.models import Like, Work
from shuxiang.activities.tests import factories
from shuxiang.activities.tests.simulation import ranking, simulate
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import PermissionDenied
from shuxiang.core.models import AuditEvent


@pytest.fixture
def farmed(net, django_capture_on_commit_callbacks):
    campaign = factories.campaign(net["zj"])
    world = simulate(campaign, reader(net["zhuji"]))
    with django_capture_on_commit_callbacks(execute=True):
        fraud.recount(campaign)
    return campaign, world


def _board_ids(campaign, top=20):
    return [work_id for work_id, _count in board().top(campaign.pk, limit=top)]


def test_the_farm_is_found_with_high_precision_and_recall(farmed, capsys):
    campaign, world = farmed
    findings = fraud.detect(campaign, by=SYSTEM)
    lockstep = [f for f in findings if f.kind == "lockstep"]
    flagged = set().union(*(f.accounts for f in lockstep))
    caught = flagged & world["farm"]
    precision, recall = len(caught) / len(flagged), len(caught) / len(world["farm"])
    with capsys.disabled():
        print(
            f"\nlockstep detection: precision {precision:.3f}, recall {recall:.3f}, "
            f"{len(flagged)} flagged, kinds {sorted({f.kind for f in findings})}"
        )
    assert precision >= 0.95 and recall >= 0.95
    assert world["targets"] <= set().union(*(f.works for f in lockstep))
    assert all(f.windows for f in lockstep)  # evidence: the time windows


def test_voiding_restores_the_honest_ranking_and_is_reversible(
    farmed, django_capture_on_commit_callbacks
):
    campaign, world = farmed
    honest = ranking(world["honest_counts"], world["works"])
    assert _board_ids(campaign) != honest  # the farm's targets climbed
    flagged = sorted(set().union(*(f.accounts for f in fraud.lockstep(campaign))))
    with django_capture_on_commit_callbacks(execute=True):
        voided = fraud.void_likes(campaign, flagged, reason="刷赞：同步点赞", by=SYSTEM)
    assert voided == Like.objects.filter(reader_id__in=flagged).count()
    assert _board_ids(campaign) == honest
    assert AuditEvent.objects.filter(action="activities.void_likes").exists()
    with django_capture_on_commit_callbacks(execute=True):
        fraud.void_likes(campaign, flagged, reason="复核后恢复", by=SYSTEM, undo=True)
    assert _board_ids(campaign) != honest


def test_disqualifying_a_work_takes_it_off_the_board_and_tells_the_guardian(
    net, django_capture_on_commit_callbacks
):
    campaign = factories.campaign(net["zj"])
    guardian = reader(net["zhuji"])
    work = factories.bare_work(factories.entrant(campaign, guardian))
    Work.objects.filter(pk=work.pk).update(like_count=5)
    with django_capture_on_commit_callbacks(execute=True):
        fraud.disqualify(work, reason="恶意刷赞", by=SYSTEM)
    assert board().top(campaign.pk) == []
    assert factories.NOTICES.get(recipient=guardian).body == "恶意刷赞"
    with django_capture_on_commit_callbacks(execute=True):
        fraud.disqualify(work, reason="申诉成立", by=SYSTEM, undo=True)
    assert board().top(campaign.pk) == [(work.pk, 0)]


def test_only_staff_of_the_host_library_review_likes(net):
    campaign = factories.campaign(net["zj"])
    with pytest.raises(PermissionDenied):
        fraud.detect(campaign, by=reader(net["zhuji"]))
