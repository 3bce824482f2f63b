"""Text analysis shared by every backend: fold scripts, segment Chinese, stem English.

Index and query text go through the same steps, so 圖書館 and 图书馆 meet, and "libraries"
finds "library". Tokens are returned space-joined so any engine's whitespace tokenizer can
index them unchanged.
"""

from __future__ import annotations

import re
from functools import lru_cache

from shuxiang.catalog.normalize import fold

_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)
_RUNS = re.compile(r"[\w+#&.%\-]+", re.UNICODE)
_ASCII_WORD = re.compile(r"^[a-z]+$")
STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "of",
        "on",
        "or",
        "that",
        "the",
        "to",
        "with",
        "的",
        "之",
        "与",
        "和",
    ]
)
_jieba = None
_stemmer = None
# Variant characters (异体字) that OpenCC's traditional → simplified step leaves alone, each
# mapped to the standard form readers type: 牀/床 already meet through OpenCC, 劒/剑 do not.
VARIANTS = str.maketrans(
    "劒鴈疎猨彊桮廻壻隣荅櫂筯鏁斾厓秪堦胷碁暱牎窻缾甦徧麤凴慙氷柹煖襍鬭",
    "剑雁疏猿强杯回婿邻答棹箸锁旆崖只阶胸棋昵窗窗瓶苏遍粗凭惭冰柿暖杂斗",
)


def fold_variants(text: str) -> str:
    """``fold`` (scripts, width, case) plus variant characters; keeps the length, so
    highlighting maps folded positions back onto the original text."""
    return fold(text).translate(VARIANTS)


def _segmenter():
    global _jieba
    if _jieba is None:
        import logging

        import jieba

        jieba.setLogLevel(logging.WARNING)
        jieba.initialize()
        _jieba = jieba
    return _jieba


@lru_cache(maxsize=200_000)  # every token passes here; Chinese ones would evict English stems
def stem(word: str) -> str:
    """English Snowball stem of a lower-case ASCII word; other tokens unchanged."""
    global _stemmer
    if not _ASCII_WORD.match(word):
        return word
    if _stemmer is None:
        import snowballstemmer

        _stemmer = snowballstemmer.stemmer("english")
    return _stemmer.stemWord(word)


def tokens(text: str) -> list[str]:
    """Index tokens: folded, segmented in search mode (words and their sub-words), stemmed.

    jieba segments each run of word characters on its own, so the text is split into those
    runs first and each run's tokens are cached: names, subjects, publishers and boilerplate
    sentences repeat across a catalog and are analyzed once.
    """
    folded = fold_variants(text)
    if not folded:
        return []
    found: list[str] = []
    for run in _RUNS.findall(folded):
        found.extend(_run_tokens(run))
    return found


@lru_cache(maxsize=500_000)
def _run_tokens(run: str) -> tuple[str, ...]:
    words = _segmenter().cut_for_search(run, HMM=False)
    cleaned = (_NON_WORD.sub("", w) for w in words)
    return tuple(stem(w) for w in cleaned if w)


def query_tokens(text: str) -> list[str]:
    """Query tokens: folded, segmented precisely (each must match), stemmed, unique; stopwords
    are dropped unless the query is nothing but stopwords."""
    folded = fold_variants(text)
    seen: dict[str, None] = {}
    words = [_NON_WORD.sub("", word) for word in _segmenter().cut(folded, HMM=False)]
    content = [w for w in words if w and w not in STOPWORDS]
    for cleaned in content or words:
        if cleaned:
            seen.setdefault(stem(cleaned), None)
    return list(seen)


_LATIN_WORDS = re.compile(r"^[a-z]+( [a-z]+)+$")


def solid_pinyin(text: str) -> str:
    """Pinyin typed with spaces (``jing ye si``, ``li bai``) written solid, as the pinyin keys
    are indexed (``jingyesi``, ``libai``); ``""`` when ``text`` is not two or more Latin
    words short enough to be one title or name."""
    words = " ".join(fold(text).split())
    if len(words) > 40 or not _LATIN_WORDS.match(words):
        return ""
    return stem(words.replace(" ", ""))  # indexed keys pass the stemmer too


def loose_tokens(text: str) -> list[str]:
    """Tokens of the looser tier: every word and sub-word of the query (search mode), so a
    famous line (``床前明月光``, segmented as one idiom) still meets the words of its poem."""
    seen: dict[str, None] = {}
    for token in tokens(text):
        if token not in STOPWORDS:
            seen.setdefault(token, None)
    return list(seen)


MAX_SOLID_TITLE = 8  # longer titles are found by their words
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")  # CJK ideographs (and extension A)
_HAN_WORD = re.compile(rf"^{_HAN.pattern}{{2,}}$")
_HAN_RUNS = re.compile(rf"{_HAN.pattern}+")


def pinyin_text(title: str, creators: list[str]) -> str:
    """Pinyin keys (拼音检索) that let a reader type Latin letters for a Chinese title or name.

    Every Chinese word of two or more characters in the title, every Chinese name and a short
    title as a whole give their toneless pinyin written solid (图书馆 → tushuguan, 王芳 →
    wangfang, 静夜思 → jingyesi); a short title of three or more Chinese characters also
    gives its initials (中国历史 → zgls, 首字母检索). Single characters give nothing: one
    syllable alone matches far too much.
    """
    keys: dict[str, None] = {}
    folded = fold_variants(title)
    for run in _RUNS.findall(folded):
        for word in _run_tokens(run):
            if _HAN_WORD.match(word):
                keys.setdefault("".join(_syllables(word)), None)
    for name in creators:
        name = fold_variants(name)
        if _HAN_WORD.match(name):
            # Names are read character by character: jieba knows few of them as words.
            keys.setdefault("".join(_syllables(ch)[0] for ch in name), None)
    han = "".join(_HAN.findall(folded))
    if 2 <= len(han) <= MAX_SOLID_TITLE:
        whole = _reading(han)
        keys.setdefault("".join(whole), None)
        if len(han) >= 3:
            keys.setdefault("".join(syllable[0] for syllable in whole), None)
    return " ".join(keys)


def _reading(han: str) -> list[str]:
    """Syllables of a Chinese string read word by word, so phrase readings apply (将进酒 →
    qiang jin jiu) while each word is converted once per process (pypinyin is slow)."""
    return [syllable for word in _segmenter().cut(han, HMM=False) for syllable in _syllables(word)]


@lru_cache(maxsize=200_000)
def _syllables(word: str) -> tuple[str, ...]:
    from pypinyin import lazy_pinyin

    return tuple(lazy_pinyin(word))


def analyzed(text: str) -> str:
    """Index tokens joined by spaces."""
    return " ".join(tokens(text))
