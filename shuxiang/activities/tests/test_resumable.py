"""Recordings arrive resumably through the tus endpoint the resources app already serves."""

import base64

import pytest
from django.test import Client

from shuxiang.accounts.tests.factories import READER_PASSWORD, reader
from shuxiang.activities.models import Consent, Work
from shuxiang.activities.tests import factories


def _metadata(**fields) -> str:
    return ",".join(f"{k} {base64.b64encode(str(v).encode()).decode()}" for k, v in fields.items())


@pytest.fixture
def guardian_client(net):
    guardian = reader(net["zhuji"], mobile="13900000055")
    client = Client()
    client.login(username="13900000055", password=READER_PASSWORD)
    entrant = factories.entrant(factories.campaign(net["zj"]), guardian)
    return client, entrant


def _create(client, entrant, length: int):
    return client.post(
        "/resources/uploads/", HTTP_TUS_RESUMABLE="1.0.0", HTTP_UPLOAD_LENGTH=str(length),
        HTTP_UPLOAD_METADATA=_metadata(purpose="activities.recording", filename="rec.wav",
                                       entrant=entrant.pk, poem=entrant.campaign.poems.first().pk),
    )  # fmt: skip


def _patch(client, location: str, offset: int, chunk: bytes):
    return client.generic(
        "PATCH", location, chunk, content_type="application/offset+octet-stream",
        HTTP_TUS_RESUMABLE="1.0.0", HTTP_UPLOAD_OFFSET=str(offset),
    )  # fmt: skip


def test_a_recording_arrives_in_pieces_resumes_after_a_break_and_becomes_a_work(guardian_client):
    client, entrant = guardian_client
    recording = factories.tone(2.0)
    created = _create(client, entrant, len(recording))
    assert created.status_code == 201, created.content
    location = created["Location"]
    half = len(recording) // 2
    assert _patch(client, location, 0, recording[:half]).status_code == 204
    # the phone lost its connection: it asks where to go on
    offset = int(client.head(location, HTTP_TUS_RESUMABLE="1.0.0")["Upload-Offset"])
    assert offset == half
    done = _patch(client, location, offset, recording[offset:])
    assert done.status_code == 204
    work = Work.objects.get(entrant=entrant)
    assert done["X-Upload-Location"] == f"/activities/works/{work.token}/"
    assert work.audio.read(4) == b"OggS"
    again = client.head(location, HTTP_TUS_RESUMABLE="1.0.0")  # asking again makes no second work
    assert again["X-Upload-Location"] == done["X-Upload-Location"]
    assert Work.objects.count() == 1


def test_no_byte_is_accepted_without_consent(guardian_client):
    client, entrant = guardian_client
    Consent.objects.filter(entrant=entrant).delete()
    refused = _create(client, entrant, 1000)
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "consent_required"


def test_a_silent_recording_is_refused_when_the_last_byte_arrives(guardian_client):
    client, entrant = guardian_client
    recording = factories.silence(3)
    location = _create(client, entrant, len(recording))["Location"]
    done = _patch(client, location, 0, recording)
    assert done["X-Upload-Error"] == "1"
    assert not Work.objects.exists()
