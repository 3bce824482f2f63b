"""Demo books for the reader, from public-domain classics bundled in ``demo_data/``.

``demo:lunyu`` is the Analects (论语, 20 chapters); ``demo:daxue`` is the Great Learning (大学,
one chapter, traditional characters).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from django.utils.html import escape

from shuxiang.portal.chapters import Toc

DATA = Path(__file__).resolve().parent / "demo_data"
BOOKS = {
    "demo:lunyu": ("lunyu.json", "论语", "孔子弟子及再传弟子"),
    "demo:daxue": ("daxue.json", "大学", "曾子（传）"),
}


@cache
def _chapters(item_key: str) -> list[dict]:
    raw = json.loads((DATA / BOOKS[item_key][0]).read_text(encoding="utf-8"))
    return raw if isinstance(raw, list) else [raw]


class DemoBooks:
    """A :class:`~shuxiang.portal.chapters.ChapterSource` over the bundled demo texts."""

    def get_toc(self, item_key: str) -> Toc | None:
        if item_key not in BOOKS:
            return None
        _file, title, author = BOOKS[item_key]
        chapters = [c["chapter"] for c in _chapters(item_key)]
        return Toc(item_key=item_key, title=title, author=author, chapters=chapters)

    def get_chapter(self, item_key: str, index: int) -> str | None:
        if item_key not in BOOKS:
            return None
        chapters = _chapters(item_key)
        if not 0 <= index < len(chapters):
            return None
        chapter = chapters[index]
        paragraphs = "".join(f"<p>{escape(p)}</p>" for p in chapter["paragraphs"])
        return f"<h2>{escape(chapter['chapter'])}</h2>{paragraphs}"
