"""Resumable upload (tus 1.0) against a live server, driven by the independent tuspy client."""

from __future__ import annotations

import base64
import hashlib
import http.client
import io
import os
import time
from urllib.parse import urlsplit

import pytest
import requests
from tusclient.client import TusClient
from tusclient.exceptions import TusCommunicationError

from shuxiang.accounts.services import issue_api_token
from shuxiang.resources.models import Resource, ResourceFile, Upload
from shuxiang.resources.storage import get_storage
from shuxiang.resources.tests.conftest import librarian_of

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
DATA = os.urandom(2 * 1024 * 1024 + 12345)
METADATA = {"type": "video", "subtype": "lecture", "title": "国图公开课·第一讲"}


@pytest.fixture
def uploader_setup(live_server, net, sx_collection):
    token = issue_api_token(librarian_of(net["sx"]), "tus")
    client = TusClient(
        live_server.url + "/resources/uploads/", headers={"Authorization": f"Bearer {token}"}
    )
    metadata = {**METADATA, "filename": "lecture.mp4", "collection": str(sx_collection.pk)}
    return client, metadata, token


def cut_patch(url: str, token: str, offset: int, send: bytes, claim: int) -> None:
    """A PATCH that promises ``claim`` bytes but the connection dies after ``send``."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.putrequest("PATCH", parts.path)
    for name, value in {
        "Tus-Resumable": "1.0.0",
        "Upload-Offset": str(offset),
        "Content-Type": "application/offset+octet-stream",
        "Content-Length": str(claim),
        "Authorization": f"Bearer {token}",
    }.items():
        connection.putheader(name, value)
    connection.endheaders()
    connection.send(send)
    connection.sock.shutdown(2)
    connection.close()


def wait_for_offset_beyond(url: str, token: str, offset: int) -> None:
    """The server finishes the cut request on its own thread; wait (at most 30 s) for it."""
    headers = {"Tus-Resumable": "1.0.0", "Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if int(requests.head(url, headers=headers).headers["Upload-Offset"]) > offset:
            return
        time.sleep(0.05)


def test_interrupted_upload_resumes_and_the_stored_original_is_byte_identical(uploader_setup):
    client, metadata, token = uploader_setup
    first = client.uploader(file_stream=io.BytesIO(DATA), chunk_size=512 * 1024, metadata=metadata)
    first.upload(stop_at=1024 * 1024)  # the browser tab closes after 1 MiB
    cut_patch(first.url, token, first.offset, DATA[first.offset : first.offset + 300_000], 900_000)
    wait_for_offset_beyond(first.url, token, 1024 * 1024)
    resumed = client.uploader(file_stream=io.BytesIO(DATA), chunk_size=512 * 1024, url=first.url)
    assert 1024 * 1024 < resumed.offset <= 1024 * 1024 + 300_000  # the cut bytes were kept
    resumed.upload()
    upload = Upload.objects.get()
    assert upload.complete and upload.error == ""
    resource = Resource.objects.get(pk=upload.resource_id)
    original = resource.files.get(role=ResourceFile.Role.ORIGINAL)
    assert original.sha256 == hashlib.sha256(DATA).hexdigest()
    assert b"".join(get_storage().read_range(original.key)) == DATA
    assert (resource.title, resource.status) == (METADATA["title"], Resource.Status.DRAFT)


def test_patch_at_the_wrong_offset_is_409(uploader_setup):
    client, metadata, token = uploader_setup
    upload = client.uploader(file_stream=io.BytesIO(DATA), chunk_size=1000, metadata=metadata)
    upload.upload_chunk()
    response = requests.patch(
        upload.url,
        data=b"x" * 10,
        headers={"Tus-Resumable": "1.0.0", "Upload-Offset": "5",
                 "Content-Type": "application/offset+octet-stream",
                 "Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert response.status_code == 409 and response.headers["Upload-Offset"] == "1000"


def test_creation_with_bad_metadata_names_the_field(live_server, uploader_setup):
    client, metadata, token = uploader_setup
    encoded = ",".join(
        f"{k} {base64.b64encode(v.encode()).decode()}"
        for k, v in {**metadata, "subtype": "cartoon"}.items()
    )
    response = requests.post(
        live_server.url + "/resources/uploads/",
        headers={"Tus-Resumable": "1.0.0", "Upload-Length": "10", "Upload-Metadata": encoded,
                 "Authorization": f"Bearer {token}"},
    )  # fmt: skip
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["subtype"]


def test_a_file_the_type_cannot_hold_is_refused_before_any_byte_is_sent(uploader_setup):
    client, metadata, _token = uploader_setup
    uploader = client.uploader(
        file_stream=io.BytesIO(b"x" * 100), metadata={**metadata, "filename": "slides.pptx"}
    )
    with pytest.raises(TusCommunicationError) as excinfo:
        uploader.upload()
    assert excinfo.value.status_code == 400
    assert not Upload.objects.exists()


def test_anonymous_creation_is_401_and_wrong_version_412(live_server):
    url = live_server.url + "/resources/uploads/"
    assert requests.post(url, headers={"Tus-Resumable": "1.0.0"}).status_code == 401
    assert requests.post(url, headers={"Tus-Resumable": "0.2.2"}).status_code == 412
    options = requests.options(url)
    assert options.headers["Tus-Version"] == "1.0.0"
    assert "creation" in options.headers["Tus-Extension"]


def test_another_persons_upload_is_not_found_and_termination_removes_it(
    uploader_setup, live_server, net
):
    client, metadata, token = uploader_setup
    upload = client.uploader(file_stream=io.BytesIO(DATA), chunk_size=1000, metadata=metadata)
    upload.upload_chunk()
    stranger = issue_api_token(librarian_of(net["sx"]), "other")
    head = {"Tus-Resumable": "1.0.0", "Authorization": f"Bearer {stranger}"}
    assert requests.head(upload.url, headers=head).status_code == 404
    mine = {"Tus-Resumable": "1.0.0", "Authorization": f"Bearer {token}"}
    assert requests.delete(upload.url, headers=mine).status_code == 204
    assert not Upload.objects.exists()
