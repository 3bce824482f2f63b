"""The demo's shelves of classics: hundreds of e-books built from bundled public-domain texts
(唐诗三百首, 宋词三百首, 诗经, 楚辞, 论语, 全唐诗, 全宋词 …).

Anthologies are split the way a library shelves them — one book a poet, one a section of the
Book of Songs or the Chu Ci — and each book gets a cover drawn from its title. The folder is
``shuxiang/catalog/fixtures/texts`` (or ``SHUXIANG_DEMO_TEXTS_DIR``), so a fresh clone has
the whole shelf; without a folder the demo has no classics shelf and says so.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from shuxiang.core import options

BUNDLED_TEXTS = Path(__file__).resolve().parents[1] / "catalog" / "fixtures" / "texts"
COLLECTION = ("classics", "国家数字图书馆经典文库")
CLASSIC_CATEGORY = {"四书": "jing", "诗经": "jing", "楚辞": "ji", "蒙学": "zi"}
COVER_COLOURS = [
    ("#7a1f1f", "#f3e3c3"),
    ("#1f3f5b", "#e8dcc0"),
    ("#2f4f2f", "#efe6cf"),
    ("#5b3a1a", "#f5ead2"),
    ("#3b2a4f", "#ebe1cc"),
    ("#6b4a12", "#fbf3dd"),
]


@dataclass(frozen=True)
class Book:
    """One demo e-book: its title, author, shelf (subject) and chapters (title, text)."""

    title: str
    creator: str
    shelf: str
    chapters: tuple[tuple[str, str], ...]


def texts_dir() -> Path | None:
    """The classics folder: the setting, else the texts bundled with the catalog app."""
    chosen = options.value("DEMO_TEXTS_DIR") or BUNDLED_TEXTS
    return chosen if chosen.is_dir() else None


def _load(folder: Path, name: str):
    return json.loads((folder / name).read_text(encoding="utf-8"))


def _grouped(rows: list[dict], key: str) -> dict[str, list[dict]]:
    groups: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        groups[row.get(key) or "佚名"].append(row)
    return groups


def _poems(rows: list[dict], title_key: str = "title", body_key: str = "paragraphs"):
    return tuple((row.get(title_key) or "无题", "\n".join(row[body_key])) for row in rows)


def _by_poet(rows, shelf, template, title_key="title", least=1) -> Iterator[Book]:
    for poet, poems in _grouped(rows, "author").items():
        if len(poems) >= least:
            yield Book(template.format(poet), poet, shelf, _poems(poems, title_key))


def _single_works(folder: Path) -> Iterator[Book]:
    lunyu = _load(folder, "lunyu.json")
    yield Book("论语", "孔子弟子及再传弟子", "四书", _poems(lunyu, "chapter"))
    for name, title, author in (("daxue.json", "大学", "曾子"), ("zhongyong.json", "中庸", "子思")):
        raw = _load(folder, name)
        yield Book(title, author, "四书", ((raw["chapter"], "\n".join(raw["paragraphs"])),))
    for name, shelf in (("sanzijing-new.json", "蒙学"), ("qianziwen.json", "蒙学")):
        raw = _load(folder, name)
        yield Book(
            raw["title"],
            raw.get("author") or "佚名",
            shelf,
            ((raw["title"], "\n".join(raw["paragraphs"])),),
        )
    yield Book("曹操诗集", "曹操", "汉魏诗", _poems(_load(folder, "caocao.json")))


def books(folder: Path | None = None, limit: int | None = None) -> list[Book]:
    """Every demo book, in shelf order (``limit`` keeps the first ones, for thinned demos)."""
    folder = folder or texts_dir()
    if folder is None:
        return []
    found = list(_single_works(folder))
    shijing = _load(folder, "shijing.json")
    for (part, section), poems in _grouped_pairs(shijing, "chapter", "section").items():
        found.append(
            Book(f"诗经·{part}·{section}", "佚名", "诗经", _poems(poems, body_key="content"))
        )
    for section, pieces in _grouped(_load(folder, "chuci.json"), "section").items():
        author = pieces[0].get("author") or "屈原等"
        found.append(Book(f"楚辞·{section}", author, "楚辞", _poems(pieces, body_key="content")))
    found += _by_poet(_load(folder, "tangshi_300.json"), "唐诗三百首", "唐诗三百首·{}")
    found += _by_poet(_load(folder, "songci_300.json"), "宋词三百首", "宋词三百首·{}", "rhythmic")
    found += _by_poet(_load(folder, "poet.tang.0.json"), "全唐诗", "全唐诗·{}卷", least=2)
    found += _by_poet(_load(folder, "ci.song.0.json"), "全宋词", "全宋词·{}卷", "rhythmic", 2)
    return found[:limit] if limit else found


def _grouped_pairs(rows: list[dict], first: str, second: str) -> dict[tuple[str, str], list[dict]]:
    groups: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for row in rows:
        groups[(row[first], row[second])].append(row)
    return groups


def cover(book: Book) -> bytes:
    """A 600×800 JPEG cover: the title in large type on a colour chosen by the title."""
    from shuxiang.resources.demo_media import picture

    colours = COVER_COLOURS[sum(map(ord, book.title)) % len(COVER_COLOURS)]
    title = book.title.split("·")[-1]
    lines = [book.shelf, book.creator]
    return picture(title, colours, size=(600, 800), lines=lines)


def _collection():
    from shuxiang.core.actors import SYSTEM
    from shuxiang.network.models import Library
    from shuxiang.resources import services
    from shuxiang.resources.models import Collection

    library = Library.objects.filter(level=Library.Level.NATIONAL).first()
    if library is None:
        return None
    found = Collection.objects.filter(library=library, code=COLLECTION[0]).first()
    return found or services.create_collection(
        library, COLLECTION[0], COLLECTION[1], kind=Collection.Kind.CENTRAL, by=SYSTEM
    )


def _metadata(book: Book) -> dict:
    data = {
        "title": book.title,
        "creator": book.creator,
        "subjects": [book.shelf],
        "language": "zh-Hans",
        "access": "public",
        "rights": "公有领域 Public domain",
        "licence": "CC0-1.0",
    }
    category = CLASSIC_CATEGORY.get(book.shelf)
    if category:
        return {**data, "type": "classic", "extra": {"category": category}}
    return {**data, "type": "ebook"}


def load_demo_library(say=print, limit: int | None = None) -> dict[str, int]:
    """Publish each demo book not yet on the classics shelf, with its cover; return counts.

    ``limit`` (default: the ``DEMO_BOOKS`` option; 0 = all) thins the shelf for tests.
    """
    limit = options.value("DEMO_BOOKS") if limit is None else limit
    from shuxiang.resources.demo import _publish, _tasks_inline
    from shuxiang.resources.derivatives import attach_cover
    from shuxiang.resources.epub import build_epub

    counts = {"created": 0, "existing": 0}
    collection = _collection()
    found = books(limit=limit) if collection is not None else []
    if not found:
        say("Demo classics: no texts folder or no national library; skipped")
        return counts
    existing = set(collection.resources.values_list("title", flat=True))
    with _tasks_inline():
        for number, book in enumerate(found):
            if book.title in existing:
                counts["existing"] += 1
                continue
            epub = build_epub(
                book.title,
                book.creator,
                list(book.chapters),
                identifier=f"shuxiang-classic-{number}",
            )
            resource = _publish(collection, _metadata(book), [("book.epub", epub)])
            attach_cover(resource, cover(book))
            counts["created"] += 1
    say(f"Demo classics: {counts['created']} e-books created, {counts['existing']} already there")
    return counts
