"""A small public world for linked-data tests: libraries, resources and records of every kind.

Beside the public items sit ones anonymous readers must not see (a registered-only resource, a
draft, a staff-only record), so every channel can be checked for leaks.
"""

from __future__ import annotations

import pytest

from shuxiang.catalog import services as catalog
from shuxiang.catalog.models import Source
from shuxiang.core.actors import SYSTEM
from shuxiang.resources.models import Collection
from shuxiang.resources.tests.helpers import make_resource, png_bytes, published, upload

SECRET = "密件不可见"


@pytest.fixture
def net(db):
    from shuxiang.network.divisions import load_divisions
    from shuxiang.network.models import Division
    from shuxiang.network.tests.factories import small_network

    if not Division.objects.exists():
        load_divisions(progress=False)
    return small_network()


def _record(source, local_id, policy="public", **fields):
    return catalog.upsert_record(
        source=source,
        local_id=local_id,
        fmt="oai_dc",
        payload="",
        fields=fields,
        by=SYSTEM,
        access_policy=policy,
    )


def _photo(color: str) -> list:
    return [upload(f"{color}.png", png_bytes(color))]


@pytest.fixture
def world(net):
    collection = Collection.objects.create(
        library=net["sx"], code="local", name="绍兴地方文献", kind=Collection.Kind.INDEPENDENT
    )
    photo = published(
        collection, title="兰亭旧影", creator="鲁迅", subjects=["绍兴", "书法"], date="1923"
    )
    hidden = published(
        collection, title=SECRET + "资源", creator="鲁迅", access="registered", files=_photo("blue")
    )
    draft = make_resource(collection, title=SECRET + "草稿", creator="鲁迅", files=_photo("green"))
    source = Source.objects.create(key="ld-test", name="测试来源", kind="marc", library=net["sx"])
    book = _record(
        source,
        "b1",
        title="呐喊",
        creators=["鲁迅"],
        subjects=["小说"],
        year=1923,
        isbn="9787020024759",
        language="zh",
        type="text",
    )
    secret = _record(
        source, "b2", "staff", title=SECRET + "记录", creators=["鲁迅"], subjects=["小说"]
    )
    return {
        "net": net,
        "photo": photo,
        "hidden": hidden,
        "draft": draft,
        "book": book,
        "secret": secret,
    }
