"""English names indexed with Chinese records (authority data in fixtures/english_names.json).

A reader types ``Analects``, ``Du Fu`` or ``Quiet Night Thoughts``; the catalog records carry
论语, 杜甫 and 静夜思. The authority file maps people, collections (series) and works to their
English names, and ``document_of`` indexes those names with the records they name.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from shuxiang.catalog.search.analysis import fold_variants

DATA = Path(__file__).resolve().parent.parent / "fixtures" / "english_names.json"
_WORK_NUMBER = re.compile(r"[\s\d一二三四五六七八九十]+$")


@lru_cache(maxsize=1)
def _authority() -> dict[str, dict[str, list[str]]]:
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    return {
        part: {fold_variants(key): names for key, names in raw[part].items()}
        for part in ("people", "collections", "works")
    }


def of_people(creators: list[str]) -> list[str]:
    people = _authority()["people"]
    return [name for creator in creators for name in people.get(fold_variants(creator), [])]


def of_collection(collection: str) -> list[str]:
    return _authority()["collections"].get(fold_variants(collection), []) if collection else []


def of_work(title: str) -> list[str]:
    """English titles of a work: by its whole title, or the title without a trailing number
    (清平调 一) or a leading genre label (杂曲歌辞 渭城曲)."""
    works = _authority()["works"]
    folded = fold_variants(title).strip()
    for candidate in (folded, _WORK_NUMBER.sub("", folded), folded.split(" ")[-1]):
        if candidate in works:
            return works[candidate]
    return []
