"""The seed's columns on the demo's national and branch sites (idempotent).

新书推荐, 经典导读, 国图公开课 and 少儿专栏 are the national library's, distributed to every
branch site; each province has 热点资讯 and each city or county library 县域特色. Entries point
at the demo's published resources (the classics shelf, lectures, children's videos) and at the
network's own pages. A column already there (by title) is left as it is.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q

from shuxiang.core.actors import SYSTEM
from shuxiang.network import scopes
from shuxiang.network.models import Library
from shuxiang.portal import services
from shuxiang.portal.models import Column
from shuxiang.resources.models import Resource

CHILDREN = ("三字經", "三字经", "千字文")
NATIONAL = [
    ("新书推荐", "国家数字图书馆本月上架的电子书。", Q(type="ebook"), "-pk", 8),
    ("经典导读", "国家数字图书馆为各分站精选的传统文化经典。", Q(type="classic"), "pk", 8),
    ("国图公开课", "名家讲座与纪录片，随时随地学习。", Q(type="video"), "pk", 6),
    ("少儿专栏", "蒙学经典与少儿动画。", Q(title__in=CHILDREN) | Q(subtype="children"), "pk", 6),
]
NEWS = [
    ("全民阅读活动启动", "/sites/", "各分站同步开展经典诵读"),
    ("数字资源服务平台升级完成", "/resources/", "新增经典文库三百余种"),
    ("文津搜索上线", "/search?q=唐诗", "一次检索全网资源"),
]


def _published(which: Q, order: str, count: int) -> list[Resource]:
    found = Resource.objects.filter(which, status=Resource.Status.PUBLISHED, access="public")
    return list(found.order_by(order)[:count])


def _column(library: Library, title: str, summary: str, entries: list[dict], **extra) -> bool:
    if not entries or Column.objects.filter(library=library, title=title).exists():
        return False
    column = services.create_shelf(
        library, "column", {"title": title, "summary": summary, **extra}, by=SYSTEM
    )
    for entry in entries:
        services.add_entry(column, entry, by=SYSTEM)
    return True


def _resource_entries(resources: list[Resource]) -> list[dict]:
    return [
        {"title": r.title, "url": r.get_absolute_url(), "note": r.creator or ""} for r in resources
    ]


def _local_entries(library: Library) -> list[dict]:
    own = Resource.objects.filter(
        scopes.in_subtree("library", library), status=Resource.Status.PUBLISHED, access="public"
    ).order_by("pk")[:5]
    entries = _resource_entries(list(own))
    entries.append(
        {"title": f"{library.name}馆情介绍", "url": f"/network/{library.code}/", "note": "本馆概况"}
    )
    return entries


@transaction.atomic
def load_demo_columns() -> int:
    """Create the seed's columns where they are missing; return how many were added."""
    added = 0
    national = Library.objects.filter(level=Library.Level.NATIONAL).first()
    if national is not None:
        for title, summary, filters, order, count in NATIONAL:
            entries = _resource_entries(_published(filters, order, count))
            added += _column(national, title, summary, entries, distributed=True)
        news = [{"title": t, "url": u, "note": n} for t, u, n in NEWS]
        added += _column(national, "热点资讯", "数字图书馆推广工程动态。", news)
    for library in Library.objects.filter(level=Library.Level.PROVINCIAL):
        news = [{"title": f"{library.name}{t}", "url": u, "note": n} for t, u, n in NEWS[:2]]
        added += _column(library, "热点资讯", f"{library.name}动态。", news)
    for library in Library.objects.filter(level__in=(Library.Level.CITY, Library.Level.COUNTY)):
        summary = f"{library.name}地方特色资源。"
        added += _column(library, "县域特色", summary, _local_entries(library))
    return added
