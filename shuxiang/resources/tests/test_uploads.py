"""Finishing, recovering and expiring tus uploads; hostile numbers in tus headers.

The states a kill leaves behind (all bytes acknowledged but no resource; the part file already
moved into storage; a part file no upload owns) are set up here directly; the real kills
against a live server process are in ``test_tus_kill.py``.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import os

import pytest
from django.utils import timezone

from shuxiang.accounts.services import issue_api_token
from shuxiang.resources import services, uploads
from shuxiang.resources.models import Resource, ResourceFile, Upload
from shuxiang.resources.storage import get_storage
from shuxiang.resources.tests.conftest import librarian_of
from shuxiang.resources.tests.helpers import make_resource, upload

pytestmark = pytest.mark.django_db
DATA = os.urandom(300_000)


@pytest.fixture
def tus(client, net, sx_collection):
    """A tus client on Django's test client: post(), head(), patch() with a bearer token."""
    token = issue_api_token(librarian_of(net["sx"]), "tus")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}", "HTTP_TUS_RESUMABLE": "1.0.0"}

    class Tus:
        collection = sx_collection

        def post(self, length="300000", **metadata):
            fields = {"filename": "talk.mp3", "collection": str(sx_collection.pk), "type": "audio",
                      "subtype": "recitation", "title": "朗诵", **metadata}  # fmt: skip
            encoded = ",".join(
                f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in fields.items()
            )
            return client.post("/resources/uploads/", HTTP_UPLOAD_LENGTH=length,
                               HTTP_UPLOAD_METADATA=encoded, **auth)  # fmt: skip

        def head(self, location):
            return client.head(location, **auth)

        def patch(self, location, data, offset):
            kind = "application/offset+octet-stream"
            return client.generic("PATCH", location, data, kind, HTTP_UPLOAD_OFFSET=offset, **auth)

        def delete(self, location):
            return client.delete(location, **auth)

    return Tus()


def created(tus, **metadata):
    response = tus.post(**metadata)
    assert response.status_code == 201, response.content
    location = response["Location"]
    return location, Upload.objects.get(pk=location.rsplit("/", 1)[1])


def left_complete_without_resource(tus) -> tuple[str, Upload]:
    """The state of the issue: every byte acknowledged, the process killed before finishing."""
    location, item = created(tus)
    uploads.part_path(item).write_bytes(DATA)
    Upload.objects.filter(pk=item.pk).update(offset=len(DATA))
    return location, Upload.objects.get()


def original_of(item: Upload) -> ResourceFile:
    return Resource.objects.get(pk=item.resource_id).files.get(role=ResourceFile.Role.ORIGINAL)


def assert_byte_identical(item: Upload) -> None:
    original = original_of(item)
    assert original.sha256 == hashlib.sha256(DATA).hexdigest()
    assert b"".join(get_storage().read_range(original.key)) == DATA
    assert not uploads.part_path(item).exists()


@pytest.mark.parametrize("value", ["²", "1²", "٣٠٠", "３００", "12 ", "-1", "1" * 30])
def test_upload_length_must_be_ascii_digits(tus, value):
    response = tus.post(length=value)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Upload-Length"
    assert not Upload.objects.exists()


@pytest.mark.parametrize("value", ["²", "٣", "1" * 30, ""])
def test_upload_offset_must_be_ascii_digits(tus, value):
    location, _item = created(tus)
    response = tus.patch(location, b"abc", value)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "Upload-Offset"


@pytest.mark.parametrize("value", ["²", "1²", "٣", "9" * 40])
def test_collection_in_metadata_must_be_ascii_digits(tus, value):
    response = tus.post(collection=value)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "metadata.collection"


@pytest.mark.parametrize("value", ["[1]", "not json", "3"])
def test_extra_in_metadata_must_be_a_json_object(tus, value):
    response = tus.post(extra=value)
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "metadata.extra"


def test_head_of_an_upload_left_complete_without_resource_finishes_it(tus):
    location, item = left_complete_without_resource(tus)
    response = tus.head(location)
    item.refresh_from_db()
    assert response["X-Resource-Id"] == str(item.resource_id)
    assert item.finished_at is not None
    assert_byte_identical(item)


def test_a_retried_last_patch_finishes_instead_of_answering_204_with_nothing(tus):
    location, item = left_complete_without_resource(tus)
    response = tus.patch(location, b"x", str(len(DATA)))
    item.refresh_from_db()
    assert response.status_code == 204 and response["X-Resource-Id"] == str(item.resource_id)
    assert_byte_identical(item)


def test_the_sweep_finishes_what_a_kill_left_and_finishing_again_changes_nothing(tus):
    _location, item = left_complete_without_resource(tus)
    assert uploads.sweep()["finished"] == 1
    item.refresh_from_db()
    assert_byte_identical(item)
    assert uploads.finish(item).resource_id == item.resource_id
    assert uploads.sweep()["finished"] == 0
    assert Resource.objects.count() == 1


def test_a_kill_after_the_part_file_moved_into_storage_finishes_from_the_stored_copy(tus):
    _location, item = left_complete_without_resource(tus)
    key = services.file_key(tus.collection.library, f"upload-{item.pk.hex}", 0, "talk.mp3")
    get_storage().save_file(key, uploads.part_path(item))  # then the kill: nothing committed
    assert not uploads.part_path(item).exists()
    finished = uploads.finish(item)
    assert original_of(finished).key == key
    assert_byte_identical(finished)


def test_a_refused_upload_keeps_its_reason_and_its_files_are_removed(tus):
    make_resource(tus.collection, type="audio", subtype="recitation", title="已有",
                  files=[upload("old.mp3", DATA)])  # fmt: skip
    location, item = left_complete_without_resource(tus)
    response = tus.head(location)
    item.refresh_from_db()
    assert response["X-Upload-Error"] == "1" and "files.0" in item.error  # the duplicate
    assert not uploads.part_path(item).exists()
    assert not list(get_storage().keys(f"resources/330600/upload-{item.pk.hex}/"))
    assert Resource.objects.count() == 1
    assert uploads.sweep()["finished"] == 0  # a refusal is final


def test_a_deleted_resource_is_not_made_again_by_the_sweep(tus):
    _location, item = left_complete_without_resource(tus)
    uploads.sweep()
    Resource.objects.all().delete()
    assert uploads.sweep()["finished"] == 0
    assert not Resource.objects.exists()


def test_creation_and_patches_announce_expiry_and_options_advertise_the_extension(client, tus):
    assert "expiration" in client.options("/resources/uploads/")["Tus-Extension"]
    response = tus.post()
    assert "GMT" in response["Upload-Expires"]
    patched = tus.patch(response["Location"], DATA[:1000], "0")
    assert patched["Upload-Offset"] == "1000" and "GMT" in patched["Upload-Expires"]


def idle(item: Upload, hours: float) -> None:
    Upload.objects.filter(pk=item.pk).update(
        updated_at=timezone.now() - datetime.timedelta(hours=hours)
    )


def test_an_abandoned_upload_is_gone_after_its_expiry(tus, settings):
    settings.RESOURCES_DELIVERY = {**settings.RESOURCES_DELIVERY, "UPLOAD_EXPIRY_HOURS": 2}
    location, item = created(tus)
    assert tus.patch(location, DATA[:1000], "0").status_code == 204
    idle(item, 1)
    assert tus.head(location).status_code == 200  # not yet
    idle(item, 3)
    assert tus.head(location).status_code == 410
    assert not Upload.objects.exists() and not uploads.part_path(item).exists()


def test_the_sweep_removes_expired_uploads_and_part_files_no_upload_owns(tus, settings):
    settings.RESOURCES_DELIVERY = {**settings.RESOURCES_DELIVERY, "UPLOAD_EXPIRY_HOURS": 2}
    _location, abandoned = created(tus)
    uploads.part_path(abandoned).write_bytes(DATA[:5000])
    Upload.objects.filter(pk=abandoned.pk).update(offset=5000)
    idle(abandoned, 3)
    stray = uploads.folder() / "0b7c1e36-3f0e-4bd5-a1a4-2c5e9c2d1f00.part"
    stray.write_bytes(b"left by a killed termination")
    _location, fresh = created(tus, title="新的")
    assert uploads.sweep() == {"finished": 0, "expired": 1}
    assert list(Upload.objects.values_list("pk", flat=True)) == [fresh.pk]
    assert not uploads.part_path(abandoned).exists() and not stray.exists()
    assert uploads.part_path(fresh).exists()


def test_finished_uploads_are_forgotten_after_the_expiry_but_their_resource_stays(tus):
    _location, item = left_complete_without_resource(tus)
    uploads.sweep()
    idle(item, 48)
    assert uploads.sweep()["expired"] == 1
    assert not Upload.objects.exists() and Resource.objects.count() == 1
