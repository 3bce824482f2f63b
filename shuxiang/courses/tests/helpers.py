"""A small world for course tests: the test network, a central collection, one course."""

from __future__ import annotations

from shuxiang.core.actors import SYSTEM
from shuxiang.courses import demo, services
from shuxiang.network.tests.factories import small_network
from shuxiang.resources import services as resources
from shuxiang.resources.models import Collection

CLIP = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * 64  # enough of an MP4 for storage and links


def world() -> dict:
    network = small_network()
    collection = resources.create_collection(
        network["nlc"], "central", "中心资源库", kind=Collection.Kind.CENTRAL, by=SYSTEM
    )
    topic = services.create_topic("classics", "经典导读", by=SYSTEM)
    speaker = services.create_speaker("王明远", by=SYSTEM)
    course = services.create_course(
        network["nlc"],
        {"title": "中华经典导读", "topics": [topic], "speakers": [speaker]},
        by=SYSTEM,
    )
    return {**network, "collection": collection, "topic": topic, "speaker": speaker,
            "course": course}  # fmt: skip


def recorded_lecture(world: dict, item: dict | None = None):
    """The first judged lecture (or ``item``) with its video, subtitles and keywords."""
    item = item or demo.judged_lectures()[0]
    return demo.build_lecture(world["course"], item, world["collection"], CLIP)
