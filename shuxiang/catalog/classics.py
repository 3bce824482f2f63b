"""Records from the bundled public-domain classics (唐诗三百首, 宋词三百首, 诗经, 论语).

Used by the demo and by the relevance corpus; the JSON files live in ``fixtures/texts`` (see
the README there for their source).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

TEXTS = Path(__file__).parent / "fixtures" / "texts"
SCHOOL_TAGS = re.compile(r"(年级|古诗|唐诗三百首|宋词三百首)")
CLAUSE = re.compile(r"[，。、？！；：]")


def _load(name: str) -> list[dict]:
    return json.loads((TEXTS / name).read_text(encoding="utf-8"))


def _tags(item: dict) -> list[str]:
    return [t for t in item.get("tags", []) if not SCHOOL_TAGS.search(t)]


def _poem(title: str, creators: list[str], subjects: list[str], lines: list[str], coll: str):
    return {
        "title": title,
        "creators": creators,
        "subjects": subjects,
        "description": "".join(lines)[:300],
        "collection": coll,
        "type": "poem",
        "language": "zh",
    }


def entries() -> list[tuple[str, dict]]:
    """(local id, core fields) of every bundled classic."""
    found = []
    for item in _load("tangshi_300.json"):
        fields = _poem(
            item["title"], [item["author"]], _tags(item), item["paragraphs"], "唐诗三百首"
        )
        found.append((f"tang-{item['id']}", fields))
    for n, item in enumerate(_load("songci_300.json")):
        title = f"{item['rhythmic']}·{CLAUSE.split(item['paragraphs'][0])[0]}"
        fields = _poem(title, [item["author"]], _tags(item), item["paragraphs"], "宋词三百首")
        found.append((f"song-{n}", fields))
    for n, item in enumerate(_load("shijing.json")):
        subjects = [item["chapter"], item["section"]]
        found.append((f"shijing-{n}", _poem(item["title"], [], subjects, item["content"], "诗经")))
    for n, item in enumerate(_load("lunyu.json")):
        fields = _poem(item["chapter"], ["孔子弟子"], ["儒家"], item["paragraphs"], "论语")
        found.append((f"lunyu-{n}", {**fields, "type": "classic"}))
    return found
