"""The demo holds every resource type with a real file a reader can open."""

from __future__ import annotations

import shutil

import pytest

from shuxiang.resources.models import Resource, ResourceFile
from shuxiang.resources.types import TYPES


@pytest.fixture
def demo_network(db):
    from shuxiang.accounts.demo import load_demo_users
    from shuxiang.network.demo import load_demo_network

    load_demo_network(progress=False)
    load_demo_users()


def test_demo_publishes_every_type_with_openable_files_and_is_idempotent(demo_network, client):
    from shuxiang.resources.demo import load_demo_resources

    counts = load_demo_resources(say=lambda line: None)
    tools = shutil.which("ffmpeg") and shutil.which("espeak-ng")
    published = Resource.objects.filter(status=Resource.Status.PUBLISHED)
    if tools:
        assert counts["skipped"] == 0
        assert set(published.values_list("type", flat=True)) == set(TYPES)
        video_subtypes = set(published.filter(type="video").values_list("subtype", flat=True))
        assert video_subtypes == set(TYPES["video"].subtypes)
    public = published.get(title="论语（选）")
    original = public.files.get(role=ResourceFile.Role.ORIGINAL)
    response = client.get(f"/resources/{public.pk}/files/{original.pk}")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"  # an EPUB (zip)
    assert client.get(f"/resources/{public.pk}/").status_code == 200
    again = load_demo_resources(say=lambda line: None)
    assert again["created"] == 0 and again["existing"] == counts["created"]
