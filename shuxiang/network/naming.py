"""Library names derived from division names, in Chinese and English (pinyin)."""

from __future__ import annotations

from pypinyin import lazy_pinyin

# Longest suffixes first, so 自治州 wins over 州.
SUFFIXES = [
    ("维吾尔自治区", "Uygur Autonomous Region"),
    ("壮族自治区", "Zhuang Autonomous Region"),
    ("回族自治区", "Hui Autonomous Region"),
    ("自治区", "Autonomous Region"),
    ("自治州", "Autonomous Prefecture"),
    ("自治县", "Autonomous County"),
    ("特别行政区", "SAR"),
    ("新区", "New Area"),
    ("地区", "Prefecture"),
    ("林区", "Forestry District"),
    ("省", "Provincial"),
    ("市", ""),
    ("区", "District"),
    ("县", "County"),
    ("旗", "Banner"),
]


def library_name(division_name: str) -> str:
    """The Chinese library name for a division, e.g. 绍兴市 → 绍兴市图书馆."""
    return f"{division_name}图书馆"


def library_name_en(division_name: str) -> str:
    """An English library name from the pinyin of a division, e.g. 诸暨市 → Zhuji Library."""
    for suffix, english in SUFFIXES:
        if division_name.endswith(suffix) and len(division_name) > len(suffix):
            base = division_name[: -len(suffix)]
            # Ethnic autonomous names keep only the place (临夏回族自治州 → Linxia).
            for marker in (
                "回族",
                "藏族",
                "蒙古族",
                "哈萨克族",
                "土族",
                "撒拉族",
                "东乡族",
                "裕固族",
                "保安族",
            ):
                base = base.split(marker)[0] or base
            words = "".join(lazy_pinyin(base)).capitalize()
            return " ".join(part for part in (words, english, "Library") if part)
    return "".join(lazy_pinyin(division_name)).capitalize() + " Library"
