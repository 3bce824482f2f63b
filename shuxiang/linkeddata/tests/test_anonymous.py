"""Anonymous readers see no more in linked data than in anonymous search: no channel leaks."""

from __future__ import annotations

import gzip

import pytest

from shuxiang.linkeddata import dumps, sync
from shuxiang.linkeddata.tests.conftest import SECRET

FORMATS = ("jsonld", "ttl", "rdf", "nt")


def test_unpublished_and_restricted_resources_have_no_rdf(client, world):
    for item in (world["hidden"], world["draft"]):
        for fmt in FORMATS:
            response = client.get(f"/resources/{item.pk}/?format={fmt}")
            assert response.status_code == 404, (item.title, fmt)


def test_entity_pages_leave_out_what_search_hides(client, world):
    for path in ("/ld/person/鲁迅/", "/ld/subject/小说/"):
        for fmt in ("html", *FORMATS):
            response = client.get(f"{path}?format={fmt}")
            assert response.status_code == 200
            assert SECRET not in response.content.decode(), (path, fmt)
    assert "呐喊" in client.get("/ld/person/鲁迅/").content.decode()


def test_a_staff_only_work_has_no_page(client, world):
    secret_work = world["secret"].work_id
    assert client.get(f"/ld/work/{secret_work}/").status_code == 404
    assert client.get(f"/ld/work/{secret_work}/?format=ttl").status_code == 404


def test_store_and_dumps_hold_only_public_items(world):
    sync.rebuild_now()
    written = dumps.write_all()
    assert {d.name for d in written} == set(dumps.FILES)
    for dump in written:
        with gzip.open(dumps.folder() / dump.name) as packed:
            text = packed.read().decode()
        assert "兰亭旧影" in text and "呐喊" in text
        assert SECRET not in text


def test_unknown_entities_are_404(client, world):
    assert client.get("/ld/person/无此人/").status_code == 404
    assert client.get("/ld/place/999999/").status_code == 404
    assert client.get("/ld/work/１２/").status_code == 404
    assert client.get("/ld/work/99999999999999999999999/").status_code == 404


@pytest.mark.parametrize("path", ["/ld/person/鲁迅/", "/ld/place/330000/", "/ld/dumps/"])
def test_pages_render_in_both_languages(client, world, path):
    assert client.get(path, HTTP_ACCEPT_LANGUAGE="zh-Hans").status_code == 200
    assert client.get(path, HTTP_ACCEPT_LANGUAGE="en").status_code == 200
