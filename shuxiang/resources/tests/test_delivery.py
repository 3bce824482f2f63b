"""Delivery: access policies on every byte, Range/If-Range, signed links, quotas, proxy hand-off."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from django.utils import translation

from shuxiang.accounts.tests.factories import user
from shuxiang.core.actors import SYSTEM
from shuxiang.resources import delivery
from shuxiang.resources.models import ResourceFile
from shuxiang.resources.tests.conftest import librarian_of
from shuxiang.resources.tests.helpers import published, upload

VIDEO = os.urandom(256 * 1024 + 3)


def video(collection, access="public", data=VIDEO):
    resource = published(
        collection,
        type="video",
        subtype="local_opera",
        title="越剧选段",
        access=access,
        files=[upload("opera.mp4", data)],
    )
    return resource, resource.files.get(role=ResourceFile.Role.ORIGINAL)


def url(item) -> str:
    return f"/resources/{item.resource_id}/files/{item.pk}"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def readers(net):
    return {
        "zhuji": user(home_library=net["zhuji"]),
        "lanzhou": user(home_library=net["lz"]),
        "nobody": user(),
    }


def test_public_video_opens_for_anonymous_readers(client, sx_collection):
    _resource, item = video(sx_collection)
    response = client.get(url(item))
    assert response.status_code == 200 and body(response) == VIDEO
    assert response["Accept-Ranges"] == "bytes"


def test_registered_only_refuses_anonymous_and_admits_any_logged_in_reader(
    client, sx_collection, readers
):
    _resource, item = video(sx_collection, "registered")
    assert client.get(url(item)).status_code == 403
    client.force_login(readers["nobody"])
    assert client.get(url(item)).status_code == 200


def test_reader_of_a_library_below_opens_library_only_video(client, sx_collection, readers):
    _resource, item = video(sx_collection, "library")
    client.force_login(readers["zhuji"])
    assert client.get(url(item)).status_code == 200


def test_reader_of_another_library_gets_403_for_library_only_video(client, sx_collection, readers):
    _resource, item = video(sx_collection, "library")
    client.force_login(readers["lanzhou"])
    with translation.override("en"):
        response = client.get(url(item))
    assert response.status_code == 403
    assert "330600图书馆" in response.content.decode()


@pytest.mark.parametrize(
    ("address", "status"),
    [("10.30.48.9", 200), ("10.31.200.1", 200), ("10.32.0.1", 403), ("127.0.0.1", 403)],
)
def test_network_only_video_opens_inside_the_libraries_ip_ranges(
    client, sx_collection, address, status
):
    _resource, item = video(sx_collection, "network")
    assert client.get(url(item), REMOTE_ADDR=address).status_code == status


def test_staff_only_refuses_readers_and_other_provinces_admits_own_librarian(
    client, net, sx_collection, readers, staff
):
    _resource, item = video(sx_collection, "staff")
    client.force_login(readers["zhuji"])
    assert client.get(url(item)).status_code == 403
    client.force_login(staff["gs_admin"])
    assert client.get(url(item)).status_code == 403
    client.force_login(librarian_of(net["zhuji"]))
    assert client.get(url(item)).status_code == 403  # below, not at, the owning library
    client.force_login(staff["sx_librarian"])
    assert client.get(url(item)).status_code == 200


def test_unpublished_resource_bytes_are_refused_to_readers(client, sx_collection):
    from shuxiang.resources import services

    resource, item = video(sx_collection)
    services.withdraw(resource, by=SYSTEM, reason="版权到期")
    assert client.get(url(item)).status_code == 403


def test_library_only_resource_of_the_centre_opens_for_readers_across_its_network(
    client, net, central, readers
):
    _resource, item = video(central, "library")
    client.force_login(readers["lanzhou"])
    assert client.get(url(item)).status_code == 200
    client.force_login(readers["nobody"])  # registered nowhere
    assert client.get(url(item)).status_code == 403


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [("bytes=0-0", 0, 0), ("bytes=100-65636", 100, 65636), ("bytes=-10", None, None),
     ("bytes=262000-", 262000, None), ("bytes=5-999999999", 5, None)],
)  # fmt: skip
def test_range_requests_are_byte_exact(client, sx_collection, header, start, end):
    _resource, item = video(sx_collection)
    response = client.get(url(item), HTTP_RANGE=header)
    expected = (
        VIDEO[-10:] if start is None else VIDEO[start : (end + 1) if end is not None else None]
    )
    first = len(VIDEO) - 10 if start is None else start
    assert response.status_code == 206
    assert body(response) == expected
    assert response["Content-Length"] == str(len(expected))
    assert response["Content-Range"] == f"bytes {first}-{first + len(expected) - 1}/{len(VIDEO)}"


@pytest.mark.parametrize("header", [f"bytes={len(VIDEO)}-", "bytes=-0", "bytes=9-3"])
def test_unsatisfiable_range_is_416_with_the_size(client, sx_collection, header):
    _resource, item = video(sx_collection)
    response = client.get(url(item), HTTP_RANGE=header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{len(VIDEO)}"


def test_if_range_with_the_current_etag_gets_the_range_and_a_stale_one_the_whole(
    client, sx_collection
):
    _resource, item = video(sx_collection)
    etag = client.get(url(item))["ETag"]
    fresh = client.get(url(item), HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE=etag)
    stale = client.get(url(item), HTTP_RANGE="bytes=0-9", HTTP_IF_RANGE='"not-the-file"')
    assert (fresh.status_code, body(fresh)) == (206, VIDEO[:10])
    assert (stale.status_code, body(stale)) == (200, VIDEO)


def test_several_ranges_get_the_whole_file(client, sx_collection):
    _resource, item = video(sx_collection)
    assert client.get(url(item), HTTP_RANGE="bytes=0-1,5-6").status_code == 200


def test_signed_link_lets_its_reader_fetch_without_a_session(client, sx_collection, readers):
    _resource, item = video(sx_collection, "library")
    token = delivery.sign_link(item, readers["zhuji"].pk)
    response = client.get(url(item) + f"?link={token}", HTTP_RANGE="bytes=3-5")
    assert (response.status_code, body(response)) == (206, VIDEO[3:6])


def test_signed_link_issued_to_another_library_reader_is_still_refused(
    client, sx_collection, readers
):
    _resource, item = video(sx_collection, "library")
    token = delivery.sign_link(item, readers["lanzhou"].pk)
    assert client.get(url(item) + f"?link={token}").status_code == 403


def test_tampered_signed_link_is_refused(client, sx_collection, readers):
    _resource, item = video(sx_collection, "library")
    token = delivery.sign_link(item, readers["zhuji"].pk)
    tampered = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert client.get(url(item) + f"?link={tampered}").status_code == 403


def test_signed_link_for_another_file_is_refused(client, sx_collection, readers):
    _resource, item = video(sx_collection, "public")
    other = video(sx_collection, "public", data=b"another opera")
    token = delivery.sign_link(item, readers["zhuji"].pk)
    response = client.get(f"/resources/{other[1].resource_id}/files/{other[1].pk}?link={token}")
    assert response.status_code == 403


def test_expired_signed_link_is_refused(client, sx_collection, readers):
    from django.core import signing

    _resource, item = video(sx_collection, "public")
    fresh = delivery.sign_link(item, readers["zhuji"].pk)
    assert client.get(url(item) + f"?link={fresh}").status_code == 200

    class TwoHoursAgo(signing.TimestampSigner):
        def timestamp(self):
            return signing.b62_encode(int(time.time()) - 7200)

    old = TwoHoursAgo(salt=delivery.LINK_SALT).sign_object(
        {"f": item.pk, "u": readers["zhuji"].pk}, compress=True
    )
    response = client.get(url(item) + f"?link={old}", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 403 and "expired" in response.content.decode()


def videos(collection, count: int) -> list:
    return [video(collection, data=VIDEO + bytes([n]))[1] for n in range(count)]


def test_daily_quota_counts_distinct_files_and_answers_429_with_a_clear_message(
    client, settings, sx_collection, readers
):
    settings.RESOURCES_DELIVERY = {**settings.RESOURCES_DELIVERY, "QUOTA": 2}
    first, second, third = videos(sx_collection, 3)
    client.force_login(readers["nobody"])
    assert client.get(url(first)).status_code == 200
    assert client.get(url(second), HTTP_RANGE="bytes=100-200").status_code == 206
    assert client.get(url(first)).status_code == 200  # a file already opened today is free
    assert client.get(url(second), HTTP_RANGE="bytes=5000-").status_code == 206  # seeking
    with translation.override("en"):
        refused = client.get(url(third), HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429
    assert "limit of 2 files" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    assert client.get(url(third)).status_code == 429  # a refused file was not counted as opened


@pytest.mark.parametrize("header", ["bytes=1-", "bytes=-100", "bytes=100-200", "bytes=0-0"])
def test_any_range_of_a_new_file_counts_against_the_quota(
    client, settings, sx_collection, readers, header
):
    settings.RESOURCES_DELIVERY = {**settings.RESOURCES_DELIVERY, "QUOTA": 1}
    first, second = videos(sx_collection, 2)
    client.force_login(readers["nobody"])
    assert client.get(url(first), HTTP_RANGE=header).status_code == 206
    assert client.get(url(second), HTTP_RANGE=header).status_code == 429


def test_requests_that_send_no_bytes_are_not_counted(client, settings, sx_collection, readers):
    settings.RESOURCES_DELIVERY = {**settings.RESOURCES_DELIVERY, "QUOTA": 1}
    first, second = videos(sx_collection, 2)
    client.force_login(readers["nobody"])
    assert client.get(url(first), HTTP_RANGE=f"bytes={len(VIDEO) + 10}-").status_code == 416
    assert client.head(url(first)).status_code == 200
    assert client.get(url(second)).status_code == 200
    assert client.get(url(first)).status_code == 429


def test_quota_is_per_reader_and_staff_are_not_limited(client, settings, sx_collection, staff):
    settings.RESOURCES_DELIVERY = {**settings.RESOURCES_DELIVERY, "QUOTA": 1}
    first, second = videos(sx_collection, 2)
    client.force_login(user())
    assert [client.get(url(item)).status_code for item in (first, second)] == [200, 429]
    client.force_login(user())
    assert client.get(url(second)).status_code == 200
    client.force_login(staff["sx_librarian"])
    assert {client.get(url(item)).status_code for item in (first, second)} == {200}


def test_anonymous_readers_are_counted_by_address(client, settings, sx_collection):
    settings.RESOURCES_DELIVERY = {**settings.RESOURCES_DELIVERY, "QUOTA": 1}
    first, second = videos(sx_collection, 2)
    assert client.get(url(first), HTTP_RANGE="bytes=1-", REMOTE_ADDR="10.1.1.1").status_code == 206
    assert client.get(url(second), REMOTE_ADDR="10.1.1.1").status_code == 429
    assert client.get(url(second), REMOTE_ADDR="10.1.1.2").status_code == 200


def test_x_accel_redirect_hands_bytes_to_nginx_only_after_the_policy_check(
    client, settings, sx_collection
):
    settings.RESOURCES_DELIVERY = {**settings.RESOURCES_DELIVERY, "ACCEL": "x-accel-redirect"}
    _resource, item = video(sx_collection, "registered")
    assert client.get(url(item)).status_code == 403
    client.force_login(user())
    response = client.get(url(item))
    assert response["X-Accel-Redirect"] == "/protected/" + item.key
    assert response.content == b""


def test_x_sendfile_names_the_local_file(client, settings, sx_collection):
    settings.RESOURCES_DELIVERY = {**settings.RESOURCES_DELIVERY, "ACCEL": "x-sendfile"}
    _resource, item = video(sx_collection)
    path = client.get(url(item))["X-Sendfile"]
    assert Path(path).read_bytes() == VIDEO


def test_under_asgi_ranges_stream_asynchronously_and_stay_byte_exact(sx_collection):
    from asgiref.sync import async_to_sync
    from django.test import AsyncClient

    _resource, item = video(sx_collection)

    async def fetch(headers):
        response = await AsyncClient().get(url(item), headers=headers)
        assert response.is_async  # never buffered whole by the ASGI handler
        return response.status_code, b"".join([part async for part in response.streaming_content])

    assert async_to_sync(fetch)({"Range": "bytes=10-19"}) == (206, VIDEO[10:20])
    assert async_to_sync(fetch)({}) == (200, VIDEO)


def test_ranges_are_byte_exact_from_either_storage_backend(client, storage, sx_collection):
    _resource, item = video(sx_collection)
    assert storage.exists(item.key)  # stored in the backend under test (folder or S3)
    response = client.get(url(item), HTTP_RANGE="bytes=131000-131071")
    assert (response.status_code, body(response)) == (206, VIDEO[131000:131072])
