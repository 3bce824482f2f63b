"""Content negotiation (内容协商) over the representations of an entity's page.

The same URL answers HTML, JSON-LD, Turtle, RDF/XML or N-Triples by ``Accept`` (q-values honoured,
ties going to the server's order, HTML first), with ``Vary: Accept`` and a ``Content-Location``
naming the format-specific URL (``?format=ttl`` …), which always answers that format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import Graph

from shuxiang.linkeddata.vocab import JSONLD_CONTEXT


@dataclass(frozen=True)
class Format:
    key: str  # the value of ?format=
    media_type: str
    rdflib_name: str  # "" for HTML
    aliases: tuple[str, ...] = ()


HTML = Format("html", "text/html", "", ("application/xhtml+xml",))
FORMATS = (
    HTML,
    Format("jsonld", "application/ld+json", "json-ld", ("application/json",)),
    Format("ttl", "text/turtle", "turtle", ("application/x-turtle",)),
    Format("rdf", "application/rdf+xml", "xml", ()),
    Format("nt", "application/n-triples", "nt", ()),
)
BY_KEY = {f.key: f for f in FORMATS}
QVALUE = re.compile(r"^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$", re.ASCII)


def parse_accept(header: str) -> list[tuple[str, float]]:
    """(media range, q) pairs of an Accept header; malformed q-values count as 0."""
    ranges = []
    for part in header.split(",")[:64]:
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if "/" not in media:
            continue
        quality = 1.0
        for parameter in pieces[1:]:
            name, _, raw = parameter.partition("=")
            if name.strip().lower() == "q":
                raw = raw.strip()
                quality = float(raw) if QVALUE.match(raw) else 0.0
        ranges.append((media, quality))
    return ranges


def _quality(fmt: Format, ranges: list[tuple[str, float]]) -> float:
    """The q of the most specific range matching ``fmt`` (RFC 9110 §12.5.1); -1: no match."""
    best, specificity = -1.0, -1
    for media in (fmt.media_type, *fmt.aliases):
        kind = media.split("/")[0]
        for accepted, quality in ranges:
            level = 2 if accepted == media else 1 if accepted == f"{kind}/*" else 0
            if accepted not in (media, f"{kind}/*", "*/*"):
                continue
            # An alias (application/json for JSON-LD) never outranks the real type.
            level -= 0 if media == fmt.media_type else 1 if level == 2 else 0
            if level > specificity:
                best, specificity = quality, level
    return best


def choose(accept: str) -> Format | None:
    """The best format for an Accept header (HTML when absent); None when none is acceptable."""
    if not accept.strip():
        return HTML
    ranges = parse_accept(accept)
    scored = [(_quality(fmt, ranges), -index, fmt) for index, fmt in enumerate(FORMATS)]
    quality, _, best = max(scored, key=lambda item: (item[0], item[1]))
    return best if quality > 0 else None


def serialize(graph: Graph, fmt: Format) -> bytes:
    """The graph in ``fmt`` (UTF-8)."""
    if fmt.rdflib_name == "json-ld":
        return graph.serialize(format="json-ld", context=JSONLD_CONTEXT, encoding="utf-8")
    return graph.serialize(format=fmt.rdflib_name, encoding="utf-8")


def pick(accept: str, media_types: tuple[str, ...]) -> str | None:
    """The acceptable media type with the highest q (first listed wins ties); None: none is."""
    if not accept.strip():
        return media_types[0]
    ranges = parse_accept(accept)
    best, best_quality = None, 0.0
    for media in media_types:
        kind = media.split("/")[0]
        quality, specificity = -1.0, -1
        for accepted, q in ranges:
            level = (
                2
                if accepted == media
                else 1
                if accepted == f"{kind}/*"
                else 0
                if accepted == "*/*"
                else -1
            )
            if level > specificity:
                quality, specificity = q, level
        if quality > best_quality:
            best, best_quality = media, quality
    return best
