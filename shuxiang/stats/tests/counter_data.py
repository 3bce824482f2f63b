"""Resources of every kind a node hosts, and usage of them, for the COUNTER report tests."""

from __future__ import annotations

from datetime import UTC, datetime

from shuxiang.resources.models import Collection, Resource
from shuxiang.stats import events

FEB = datetime(2026, 2, 10, 3, tzinfo=UTC)
DEC = datetime(2025, 12, 10, 3, tzinfo=UTC)
JOURNAL = {"journal_title": "图书馆杂志", "issn": "1000-4254"}
RESOURCES = {
    # key: (type, title, date, access, licence, extra, creator)
    "hlm": ("ebook", "红楼梦", "1982", "public", "", {}, "曹雪芹"),
    "nh": ("ebook", "呐喊", "2019-05-01", "registered", "", {}, "鲁迅"),
    "j24": ("journal_issue", "图书馆杂志 2024年第3期", "", "library", "", {"year": 2024}, ""),
    "j25": (
        "journal_issue",
        "图书馆杂志 2025年第1期",
        "",
        "public",
        "CC-BY-4.0",
        {"year": 2025},
        "",
    ),
    "gk": ("video", "国图公开课", "2023", "public", "", {}, ""),
    "ts": ("audio", "唐诗朗读", "2021", "registered", "", {}, ""),
}


def resources(net) -> dict[str, Resource]:
    """The resources above, held by Zhuji (in Zhejiang's subtree)."""
    library = net["zhuji"]
    collection = Collection.objects.create(
        library=library, code="main", name="自建库", kind=Collection.Kind.INDEPENDENT
    )
    made = {}
    for key, (rtype, title, day, access, licence, extra, creator) in RESOURCES.items():
        if rtype == "journal_issue":
            extra = {**JOURNAL, **extra, "issue": "1"}
        made[key] = Resource.objects.create(
            collection=collection,
            library=library,
            type=rtype,
            title=title,
            date=day,
            access=access,
            licence=licence,
            extra=extra,
            creator=creator,
            status=Resource.Status.PUBLISHED,
        )
    return made


def use(resource: Resource, at: datetime = FEB, readers: int = 3, library: str = "330681"):
    """Each reader views ``resource`` twice and downloads (or plays) it once."""
    request = "play" if resource.type in ("audio", "video") else "download"
    for reader in range(readers):
        for kind in ("item_view", "item_view", request):
            events.record(
                kind,
                library=library,
                resource_type=resource.type,
                item_id=f"resource:{resource.pk}",
                title=resource.title,
                reader=reader,
                at=at,
            )


def usage(net, at: datetime = FEB) -> dict[str, Resource]:
    """All resources used by three readers at ``at``, and two searches, flushed."""
    made = resources(net)
    for resource in made.values():
        use(resource, at)
    for reader in range(2):
        events.record("search", library="330681", reader=reader, at=at)
    events.flush()
    return made
