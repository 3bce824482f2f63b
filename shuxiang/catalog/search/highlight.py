"""Highlighting query terms in original (unfolded) text, the same for every backend."""

from __future__ import annotations

import re
from functools import lru_cache

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from shuxiang.catalog.search.analysis import fold_variants as fold

SNIPPET = 160


def _spans(text: str, terms: list[str]) -> list[tuple[int, int]]:
    folded = fold(text)
    if len(folded) != len(text):  # script conversion changed lengths: no safe mapping
        return []
    spans = []
    for term in terms:
        spans += [(m.start(), m.end()) for m in _pattern(term).finditer(folded)]
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


@lru_cache(maxsize=4096)
def _pattern(term: str) -> re.Pattern:
    """A folded query term as found in folded text: English words by prefix (stems)."""
    if term.isascii():
        return re.compile(r"\b" + re.escape(term) + r"\w*", re.IGNORECASE)
    return re.compile(re.escape(term))


def highlight(text: str, terms: list[str], *, snippet: bool = False) -> SafeString:
    """``text`` HTML-escaped with ``<mark>`` around query terms (a window when ``snippet``)."""
    return _highlighted(text or "", tuple(terms), snippet)


@lru_cache(maxsize=8192)
def _highlighted(text: str, terms: tuple[str, ...], snippet: bool) -> SafeString:
    """Remembered: the same titles come back for the same popular queries."""
    spans = _spans(text, terms) if terms else []
    start, end = 0, len(text)
    if snippet and len(text) > SNIPPET:
        first = spans[0][0] if spans else 0
        start = max(0, first - SNIPPET // 4)
        end = min(len(text), start + SNIPPET)
    out, cursor = [], start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(escape(text[cursor:s]))
        out.append("<mark>" + escape(text[s:e]) + "</mark>")
        cursor = e
    out.append(escape(text[cursor:end]))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    return mark_safe(prefix + "".join(out) + suffix)  # noqa: S308 - every piece escaped above


def pinyin_terms(text: str, terms: list[str]) -> list[str]:
    """The Chinese words of ``text`` that a Latin query term names by pinyin (静夜思 for
    ``jingyesi``, 李白 for ``libai``, each word by its solid reading, a short title also by
    its initials), so pinyin hits are highlighted too."""
    from shuxiang.catalog.search import analysis

    latin = {t for t in terms if t.isascii()}
    if not latin or not text:
        return []
    folded = fold(text)
    found = []
    for run in analysis._HAN_RUNS.findall(folded):
        reading = analysis._reading(run)
        whole = {"".join(reading), "".join(s[0] for s in reading)}
        whole |= {analysis.stem(w) for w in whole}
        if whole & latin:
            found.append(run)
            continue
        for word in analysis._run_tokens(run):  # words and sub-words, as indexed
            solid = "".join(analysis._syllables(word))
            if len(word) > 1 and (solid in latin or analysis.stem(solid) in latin):
                found.append(word)
    return found
