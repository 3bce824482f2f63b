"""The storage interface: the same tests pass on the local folder and on S3 over HTTP."""

from __future__ import annotations

import hashlib
import io
import os

import pytest

from shuxiang.resources.storage import check_key

PAYLOAD = os.urandom(3 * 1024 * 1024 + 17)  # spans several chunks, odd length


def test_save_returns_size_and_sha256_of_the_exact_bytes(storage):
    stored = storage.save("t/original.bin", io.BytesIO(PAYLOAD))
    assert stored.size == len(PAYLOAD)
    assert stored.sha256 == hashlib.sha256(PAYLOAD).hexdigest()


def test_read_back_is_byte_identical(storage):
    storage.save("t/whole.bin", io.BytesIO(PAYLOAD))
    assert b"".join(storage.read_range("t/whole.bin")) == PAYLOAD
    assert storage.sha256("t/whole.bin") == hashlib.sha256(PAYLOAD).hexdigest()


@pytest.mark.parametrize(("start", "end"), [(0, 0), (1, 99), (1024 * 1024 - 1, 2 * 1024 * 1024)])
def test_ranges_are_byte_exact(storage, start, end):
    storage.save("t/range.bin", io.BytesIO(PAYLOAD))
    assert b"".join(storage.read_range("t/range.bin", start, end)) == PAYLOAD[start : end + 1]


def test_open_ended_range_reads_to_the_end(storage):
    storage.save("t/tail.bin", io.BytesIO(PAYLOAD))
    tail = b"".join(storage.read_range("t/tail.bin", len(PAYLOAD) - 5))
    assert tail == PAYLOAD[-5:]


def test_size_exists_and_delete(storage):
    storage.save("t/gone.bin", io.BytesIO(b"abc"))
    assert storage.exists("t/gone.bin") and storage.size("t/gone.bin") == 3
    storage.delete("t/gone.bin")
    assert not storage.exists("t/gone.bin")


def test_saving_again_replaces_the_bytes(storage):
    storage.save("t/again.bin", io.BytesIO(b"first"))
    storage.save("t/again.bin", io.BytesIO(b"second"))
    assert b"".join(storage.read_range("t/again.bin")) == b"second"


@pytest.mark.parametrize("key", ["../etc/passwd", "/abs", "a//b", "a/../b", ""])
def test_keys_that_could_escape_the_root_are_refused(key):
    with pytest.raises(ValueError):
        check_key(key)


def test_s3_objects_are_really_in_the_bucket(settings, s3_endpoint):
    import boto3

    from shuxiang.resources.storage import get_storage
    from shuxiang.resources.tests.conftest import s3_config

    settings.RESOURCES_STORAGE = s3_config(s3_endpoint, bucket="shuxiang-direct")
    get_storage().ensure_bucket()
    get_storage().save("direct/object.bin", io.BytesIO(b"held by S3"))
    client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    body = client.get_object(Bucket="shuxiang-direct", Key="direct/object.bin")["Body"].read()
    assert body == b"held by S3"


def test_keys_lists_what_is_stored_under_a_prefix(storage):
    storage.save("k/a/1.bin", io.BytesIO(b"1"))
    storage.save("k/b/2.bin", io.BytesIO(b"2"))
    storage.save("other/3.bin", io.BytesIO(b"3"))
    assert sorted(storage.keys("k/")) == ["k/a/1.bin", "k/b/2.bin"]
