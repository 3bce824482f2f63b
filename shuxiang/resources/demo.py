"""Demo resources: every SPEC §5 type with a real file a reader can open (idempotent).

Books are EPUBs built from the public-domain classics in ``demo_data/``; images and the journal
are drawn with Pillow; the recitation is spoken by espeak-ng and the videos are made by ffmpeg
(skipped, with a message, when those tools are missing). Derivatives run inline.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from contextlib import contextmanager

from django.db import transaction

from shuxiang.core.actors import SYSTEM
from shuxiang.network.models import Library
from shuxiang.resources import demo_media as media
from shuxiang.resources import distribution, services
from shuxiang.resources.models import Collection, Resource

COLLECTIONS = {
    "central": ("NLC", "central", "国家数字图书馆中心资源库", Collection.Kind.CENTRAL),
    "shaoxing": ("330600", "local", "绍兴地方文献资源库", Collection.Kind.INDEPENDENT),
    "gansu": ("620000", "ethnic", "甘肃民族文化资源库", Collection.Kind.INDEPENDENT),
}
VIDEOS = [
    ("lecture", "testsrc2", "国图公开课：《论语》导读", {"speaker": "示例讲师"}),
    ("local_opera", "smptebars", "越剧《梁祝》选段（示例）", {"opera_genre": "越剧"}),
    ("documentary", "rgbtestsrc", "纪录片：运河古城（示例）", {"series": "城市记忆"}),
    ("intangible_heritage", "testsrc", "非遗：黄酒酿制技艺（示例）", {"heritage_category": "技艺"}),
    ("children", "smptehdbars", "少儿动画：三字经故事（示例）", {"age_range": "6-9"}),
    ("ethnic_minority", "yuvtestsrc", "裕固族民歌（示例）", {"ethnic_group": "裕固族"}),
]


OWN_RIGHTS = "本馆自建资源，版权归本馆所有（演示）"


def _entries() -> list[tuple[str, dict, Callable[[], list[tuple[str, bytes]] | None]]]:
    """(collection, metadata, files maker) for every demo resource."""
    classic = {"type": "classic", "rights": "公有领域 Public domain", "licence": "CC0-1.0"}
    entries = [
        ("central", {**classic, "title": "论语（选）", "creator": "孔子弟子及再传弟子",
                     "titles": {"en": "The Analects (selection)"}, "subjects": ["儒家", "经部"],
                     "extra": {"category": "jing", "dynasty": "春秋"}},
         lambda: [("lunyu.epub", media.book("lunyu", "论语（选）", "孔子弟子"))]),
        ("central", {**classic, "title": "大学", "creator": "曾子", "extra": {"category": "jing"}},
         lambda: [("daxue.epub", media.book("daxue", "大学", "曾子"))]),
        ("central", {"type": "ebook", "title": "千字文", "creator": "周兴嗣", "date": "0535",
                     "titles": {"en": "Thousand Character Classic"}, "rights": "公有领域"},
         lambda: [("qianziwen.epub", media.book("qianziwen", "千字文", "周兴嗣"))]),
        ("central", {"type": "ebook", "title": "诗经·宋词选读", "creator": "佚名等",
                     "subjects": ["诗歌"], "access": "registered"},
         lambda: [("shici.epub", media.book("shijing", "诗经选读", "佚名"))]),
        ("central", {"type": "journal_issue", "title": "图书馆杂志 2014年第3期（示例）",
                     "extra": {"journal_title": "图书馆杂志（示例）", "issn": "1000-4254",
                               "year": 2014, "issue": "3"}},
         lambda: [("journal-2014-03.pdf", media.journal_pdf("图书馆杂志", [
             ["数字图书馆推广工程", "资源建设与共享"], ["基层图书馆", "资源提升活动"],
             ["虚拟网", "移动阅读"]]))]),
        ("shaoxing", {"type": "newspaper_page", "title": "绍兴日报 1949年5月7日 第1版（示例）",
                      "extra": {"newspaper_title": "绍兴日报（示例）", "issue_date": "1949-05-07",
                                "page_number": 1}, "access": "network"},
         lambda: [("shaoxing-1949-05-07-p1.jpg", media.picture(
             "绍兴日报", ("#f4efe1", "#222222"), size=(800, 1100),
             lines=["1949年5月7日", "第一版"]))]),
        ("shaoxing", {"type": "image", "subtype": "old_photograph", "title": "仓桥直街旧影（示例）",
                      "extra": {"place": "绍兴", "taken_date": "1936-10-19"}},
         lambda: [("cangqiao.jpg", media.sepia_photo("仓桥直街"))]),
        ("central", {"type": "image", "subtype": "new_year_painting", "title": "门神年画（示例）",
                     "extra": {"technique": "木版套色"}},
         lambda: [("menshen.jpg",
                   media.picture("福", ("#b3141c", "#f7d046"), lines=["年年有余"]))]),
        ("gansu", {"type": "image", "subtype": "ethnic_minority", "title": "裕固族服饰纹样（示例）",
                   "extra": {"ethnic_group": "裕固族", "place": "肃南"}, "access": "library"},
         lambda: [("yugu.jpg", media.picture("纹样", ("#1d4e89", "#f2c14e"), lines=["肃南"]))]),
        ("central", {"type": "web_record",
                     "title": "关于开展基层图书馆数字资源提升活动的通知（示例）",
                     "extra": {"source_url": "https://example.org/zhengce/2015/notice.html",
                               "issuing_body": "数字图书馆推广工程办公室（示例）",
                               "published_date": "2015-07-01"}},
         lambda: [("notice.html", media.government_record(
             "关于开展基层图书馆数字资源提升活动的通知", "此为演示用政府信息公开记录。"))]),
        ("central", {"type": "audio", "subtype": "recitation", "title": "文津经典诵读：静夜思",
                     "creator": "李白", "extra": {"reader": "espeak-ng", "work_title": "静夜思"}},
         _audio),
    ]  # fmt: skip
    for subtype, source, title, extra in VIDEOS:
        entries.append(
            ("central" if subtype != "ethnic_minority" else "gansu",
             {"type": "video", "subtype": subtype, "title": title, "extra": extra},
             lambda source=source, title=title: _video(source, title))
        )  # fmt: skip
    for _key, metadata, _maker in entries:  # self-built: eligible for identifiers (SPEC §4)
        metadata.setdefault("rights", OWN_RIGHTS)
    return entries


def _audio():
    spoken = media.spoken_poem()
    return None if spoken is None else [(spoken[1], spoken[0])]


def _video(source: str, title: str):
    clip = media.video(source)
    if clip is None:
        return None
    return [("clip.mp4", clip), ("clip.vtt", media.subtitles([title, "书香 · 演示视频"]))]


@contextmanager
def _tasks_inline():
    from huey.contrib.djhuey import HUEY

    previous = HUEY.immediate
    HUEY.immediate = True
    try:
        yield
    finally:
        HUEY.immediate = previous


def _collection(key: str) -> Collection:
    code, slug, name, kind = COLLECTIONS[key]
    library = Library.objects.get(code=code)
    found = Collection.objects.filter(library=library, code=slug).first()
    return found or services.create_collection(library, slug, name, kind=kind, by=SYSTEM)


def _publish(collection: Collection, data: dict, files: list[tuple[str, bytes]]) -> Resource:
    uploads = [services.Upload(name, io.BytesIO(content)) for name, content in files]
    with transaction.atomic():
        resource = services.create_resource(data, collection=collection, by=SYSTEM, files=uploads)
        services.submit(resource, by=SYSTEM)
        return services.publish(resource, by=SYSTEM)


def load_demo_resources(say: Callable[[str], None] = print) -> dict[str, int]:
    """Create and publish the demo resources that are not there yet; return counts."""
    counts = {"created": 0, "existing": 0, "skipped": 0}
    with _tasks_inline():
        for key, data, maker in _entries():
            collection = _collection(key)
            if Resource.objects.filter(collection=collection, title=data["title"]).exists():
                counts["existing"] += 1
                continue
            files = maker()
            if files is None:
                counts["skipped"] += 1
                say(f"  skipped {data['title']}: install ffmpeg and espeak-ng for audio/video")
                continue
            _publish(collection, {"access": "public", **data}, files)
            counts["created"] += 1
    central = Resource.objects.filter(collection__kind=Collection.Kind.CENTRAL)
    for resource in central.filter(distributions__isnull=True)[:3]:
        distribution.distribute(resource, ["330000", "620000"], by=SYSTEM)
    say(
        f"Demo resources: {counts['created']} created, {counts['existing']} already there, "
        f"{counts['skipped']} skipped"
    )
    return counts
