"""Keywords from WebVTT subtitles, with the time each is first spoken (字幕关键词).

Subtitles are parsed by webvtt-py; keywords are ranked by jieba's TF-IDF over nouns and named
entities (words of one character and common lecture fillers left out). Librarians then accept
or reject each one; a fresh extraction keeps their decisions.
"""

from __future__ import annotations

import functools
import io
import re
import threading
from dataclasses import dataclass

TOP = 12
PARTS_OF_SPEECH = ("n", "nr", "ns", "nt", "nz", "nw", "vn", "an", "eng")
FILLER_TEXT = """
    大家 今天 我们 你们 他们 时候 问题 东西 事情 方面 这个
    那个 一下 一些 地方 时间 同学 朋友 老师 内容 部分 意思
    情况 方式 过程 结果 讲座 课程 本讲 一个 这里 那里 现在
    下面 开始 最后 第一 第二 第三 大概 其实 可能 非常 觉得
    知道 所以 但是 因为 如果 还是 就是
"""
FILLERS = frozenset(re.findall(r"\S+", FILLER_TEXT))
HAN_OR_WORD = re.compile(r"\w")
QUOTED = re.compile(r"[《“「]([^》”」]{2,40})[》”」]")


@dataclass(frozen=True)
class Cue:
    start: float
    text: str


def parse_cues(data: bytes) -> list[Cue]:
    """The cues of a WebVTT file (start in seconds, text on one line)."""
    import webvtt

    text = data.decode("utf-8-sig", errors="replace")
    captions = webvtt.from_buffer(io.StringIO(text))
    return [Cue(c.start_in_seconds + c.start_time.milliseconds / 1000, _one_line(c.text))
            for c in captions]  # fmt: skip


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


_LOCK = threading.Lock()


@functools.cache
def _ranker():
    """jieba's TF-IDF ranker over a private tokenizer (loaded once per process)."""
    import jieba
    import jieba.analyse
    import jieba.posseg

    tokenizer = jieba.Tokenizer()
    ranker = jieba.analyse.TFIDF()
    ranker.tokenizer = tokenizer
    ranker.postokenizer = jieba.posseg.POSTokenizer(tokenizer)
    return ranker


def _titles(text: str) -> set[str]:
    """Names the speaker quoted as titles (《…》, “…”): kept whole by the segmenter."""
    found = set()
    for name in QUOTED.findall(text):
        found.update(part for part in re.split(r"[·・:：]", name) if 2 <= len(part) <= 20)
    return found


def ranked_terms(cues: list[Cue], top: int = TOP) -> list[tuple[str, float]]:
    """The ``top`` terms of the subtitles by TF-IDF weight, best first.

    The ranker has a tokenizer of its own: quoted titles become words of its dictionary
    without changing how the rest of the node segments text."""
    text = "\n".join(cue.text for cue in cues)
    with _LOCK:
        ranker = _ranker()
        for title in _titles(text):
            ranker.tokenizer.add_word(title, freq=2000, tag="nz")
        found = ranker.extract_tags(text, topK=top * 3, withWeight=True, allowPOS=PARTS_OF_SPEECH)
    kept = [(term, weight) for term, weight in found if _usable(term)]
    return kept[:top]


def _usable(term: str) -> bool:
    return len(term) >= 2 and term not in FILLERS and bool(HAN_OR_WORD.search(term))


def first_spoken(term: str, cues: list[Cue]) -> float:
    for cue in cues:
        if term in cue.text:
            return cue.start
    return 0.0


def extract(cues: list[Cue], top: int = TOP) -> list[tuple[str, float, float]]:
    """``(term, weight, first second)`` for the best terms of the cues."""
    return [(t, w, first_spoken(t, cues)) for t, w in ranked_terms(cues, top)]
