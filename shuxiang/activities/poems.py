"""The candidate poems (诗集): 20 short Tang quatrains (绝句) of 唐诗三百首, in simplified.

``demo_data/poems.json`` holds 20 well-known ones (静夜思, 登鹳雀楼, 春晓 …) picked by
title from ``shared/data/texts/tangshi_300.json``
(public domain; MIT-licensed compilation, see that folder's README) so the app needs no shared
folder at run time.
"""

from __future__ import annotations

import json
from pathlib import Path

BUNDLED = Path(__file__).resolve().parent / "demo_data" / "poems.json"


def bundled() -> list[dict]:
    return json.loads(BUNDLED.read_text(encoding="utf-8"))


def quatrains(source: Path, count: int = 20) -> list[dict]:
    """The first ``count`` quatrains in ``source`` (a chinese-poetry JSON file), simplified."""
    import opencc

    simplify = opencc.OpenCC("t2s").convert
    poems = []
    for row in json.loads(source.read_text(encoding="utf-8")):
        if any("绝句" in tag for tag in row.get("tags", [])) and len(row["paragraphs"]) <= 2:
            poems.append(
                {
                    "title": simplify(row["title"]),
                    "author": simplify(row["author"]),
                    "text": simplify("\n".join(row["paragraphs"])),
                }
            )
        if len(poems) == count:
            break
    return poems
