"""The seam between the reader and whatever holds the text: ``ChapterSource``.

The reader asks the configured sources (``SHUXIANG_PORTAL_CHAPTER_SOURCES``, dotted paths, first
one that knows the item wins) for an item's table of contents and for one chapter as HTML. The
demo books implement it here; the resources app supplies EPUB chapters the same way.

Chapter HTML must be safe to insert as is (the source escapes or sanitises it). A source whose
items are not open to everyone also defines ``read_denial(item_key, request) -> str | None``
(optional, so the demo books need not): the reason the reader of ``request`` may not open the
item, or None. The reader asks it before showing anything of the item.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Protocol, runtime_checkable

from django.utils.module_loading import import_string

from shuxiang.core import options


@dataclass(frozen=True)
class Toc:
    """An item's title, author and chapter titles (chapter ``i`` is ``chapters[i]``)."""

    item_key: str
    title: str
    chapters: list[str]
    author: str = ""
    language: str = "zh-Hans"
    extra: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.chapters)


@runtime_checkable
class ChapterSource(Protocol):
    """Anything that can list an item's chapters and hand out one chapter as HTML."""

    def get_toc(self, item_key: str) -> Toc | None:
        """The table of contents, or None when this source does not hold ``item_key``."""

    def get_chapter(self, item_key: str, index: int) -> str | None:
        """Chapter ``index`` (0-based) as safe HTML, or None when there is no such chapter."""

    # Optional: ``read_denial(item_key, request) -> str | None`` (why this reader may not
    # read, or None) and ``is_open(item_key) -> bool`` (anyone may read, signed in or not).


@cache
def _load(paths: tuple[str, ...]) -> tuple[ChapterSource, ...]:
    sources = []
    for path in paths:
        source = import_string(path)()
        if not isinstance(source, ChapterSource):
            raise TypeError(f"{path} does not implement get_toc and get_chapter")
        sources.append(source)
    return tuple(sources)


def sources() -> tuple[ChapterSource, ...]:
    """The configured chapter sources, instantiated once per process."""
    return _load(tuple(options.value("PORTAL_CHAPTER_SOURCES")))


def find(item_key: str) -> tuple[ChapterSource, Toc] | None:
    """The first source holding ``item_key`` and its table of contents, or None."""
    for source in sources():
        toc = source.get_toc(item_key)
        if toc is not None:
            return source, toc
    return None


def denial(source: ChapterSource, item_key: str, request) -> str | None:
    """Why the reader of ``request`` may not open ``item_key`` from ``source``, or None."""
    check = getattr(source, "read_denial", None)
    return check(item_key, request) if check is not None else None


def is_open(source: ChapterSource, item_key: str) -> bool:
    """Whether anyone may read ``item_key``: only such chapters may be kept on the device.

    A source that never refuses anyone is open; one that may refuse must say so itself,
    otherwise its chapters count as restricted (the safe side on a shared phone).
    """
    if getattr(source, "read_denial", None) is None:
        return True
    check = getattr(source, "is_open", None)
    return bool(check(item_key)) if check is not None else False
