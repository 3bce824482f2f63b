"""Pieces every describer shares: URIs of the node's entities and literal helpers."""

from __future__ import annotations

import re

from django.urls import reverse
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import XSD

from shuxiang.linkeddata.vocab import absolute, entity_path

DATE = re.compile(r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$", re.ASCII)
ISBN = re.compile(r"^(97[89])?[0-9]{9}[0-9X]$", re.ASCII)


def library_uri(code: str) -> URIRef:
    return URIRef(absolute(reverse("network:library", args=[code])))


def resource_uri(pk: int) -> URIRef:
    return URIRef(absolute(reverse("resources:detail", args=[pk])))


def person_uri(name: str) -> URIRef:
    return URIRef(absolute(entity_path("person", name)))


def subject_uri(label: str) -> URIRef:
    return URIRef(absolute(entity_path("subject", label)))


def place_uri(code: str) -> URIRef:
    return URIRef(absolute(entity_path("place", code)))


def work_uri(pk: int) -> URIRef:
    return URIRef(absolute(entity_path("work", str(pk))))


def text(value: str, language: str | None = None) -> Literal | None:
    """A literal for a non-empty value (None when empty), with its language when known."""
    value = (value or "").strip()
    if not value:
        return None
    return Literal(value, lang=language) if language else Literal(value)


def date_literal(value: str) -> Literal | None:
    """``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` as the matching XSD type; other text as is."""
    value = (value or "").strip()
    if not value:
        return None
    if DATE.match(value):
        kind = {4: XSD.gYear, 7: XSD.gYearMonth, 10: XSD.date}[len(value)]
        return Literal(value, datatype=kind)
    return Literal(value)


def add(graph: Graph, subject: URIRef, predicate: URIRef, value) -> None:
    """Add a triple unless the value is None."""
    if value is not None:
        graph.add((subject, predicate, value))


def names(value: str) -> list[str]:
    """Names in a creator field: split on the separators catalogs use."""
    parts = re.split(r"[;；、,，/]", value or "")
    return [part.strip() for part in parts if part.strip()][:20]
