"""Submissions: transcoded to Ogg/Opus, refused with a reason when empty, silent or too long."""

import pytest

from shuxiang.accounts.tests.factories import reader
from shuxiang.activities import works
from shuxiang.activities.models import Work
from shuxiang.activities.tests import factories
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import Conflict, PermissionDenied, ValidationFailed


@pytest.fixture
def entrant(net):
    return factories.entrant(factories.campaign(net["zj"]), reader(net["zhuji"]))


def test_a_recording_is_transcoded_and_waits_for_moderation(entrant):
    work = works.submit(
        entrant, entrant.campaign.poems.first(), factories.tone(2.5), by=entrant.guardian
    )
    assert work.status == Work.Status.PENDING
    assert 2.0 < work.seconds < 3.0
    assert work.audio.read(4) == b"OggS"


@pytest.mark.parametrize(
    ("recording", "code"),
    [
        (b"", "empty"),
        (b"not audio at all", "unreadable"),
        (factories.silence(3), "silent"),
        (factories.tone(0.3), "too_short"),
    ],
)
def test_bad_recordings_are_refused_with_the_reason(entrant, recording, code):
    entrant.campaign.min_seconds = 1
    entrant.campaign.save()
    with pytest.raises(ValidationFailed) as refused:
        works.submit(entrant, entrant.campaign.poems.first(), recording, by=entrant.guardian)
    assert refused.value.errors[0].field == "recording"
    assert refused.value.errors[0].code == code
    assert not Work.objects.exists()


def test_too_long_recordings_are_refused(entrant):
    entrant.campaign.max_seconds = 2
    entrant.campaign.save()
    with pytest.raises(ValidationFailed) as refused:
        works.submit(
            entrant, entrant.campaign.poems.first(), factories.tone(4), by=entrant.guardian
        )
    assert refused.value.errors[0].code == "too_long"


def test_only_the_guardian_submits_and_only_in_the_submission_phase(net, entrant):
    with pytest.raises(PermissionDenied):
        works.submit(
            entrant, entrant.campaign.poems.first(), factories.tone(2), by=reader(net["sx"])
        )
    campaign = entrant.campaign
    campaign.submission_end = campaign.submission_start
    campaign.save()
    with pytest.raises(Conflict):
        works.submit(entrant, campaign.poems.first(), factories.tone(2), by=entrant.guardian)


def test_hiding_a_work_tells_the_guardian_why(entrant):
    work = factories.work(entrant, approve=False)
    with pytest.raises(ValidationFailed):
        works.moderate(work, approve=False, reason=" ", by=SYSTEM)
    works.moderate(work, approve=False, reason="录音中有广告", by=SYSTEM)
    notice = factories.NOTICES.get(recipient=entrant.guardian)
    assert notice.body == "录音中有广告"
