"""Warehouse records (馆藏记录) as holdings of a work, and short links to related items."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS

from shuxiang.catalog.models import Record
from shuxiang.linkeddata.describers import common as c
from shuxiang.linkeddata.describers.resources import add_people, add_subjects
from shuxiang.linkeddata.vocab import EDM, SCHEMA, absolute

TEXT_TYPES = {"text", "book", "ebook", "classic"}


def record_node(record: Record) -> URIRef:
    """A holding's node: a fragment of its work's URI (or of the work-less record)."""
    return URIRef(f"{c.work_uri(record.work_id)}#record-{record.pk}")


def describe_record(graph: Graph, record: Record) -> URIRef:
    """Add one public record's description; returns its node."""
    node = record_node(record)
    kind = (
        SCHEMA.Book
        if (record.type or "").lower() in TEXT_TYPES or record.isbn
        else SCHEMA.CreativeWork
    )
    graph.add((node, RDF.type, kind))
    language = record.language or None
    c.add(graph, node, DCTERMS.title, c.text(record.title, language))
    c.add(graph, node, SCHEMA.name, c.text(record.title, language))
    c.add(graph, node, DCTERMS.description, c.text(record.description[:2000], language))
    c.add(graph, node, DCTERMS.publisher, c.text(record.publisher))
    c.add(graph, node, DCTERMS.date, c.date_literal(record.date))
    c.add(graph, node, DCTERMS.language, c.text(record.language))
    add_people(graph, node, [str(n) for n in record.creators][:20], DCTERMS.creator)
    add_subjects(graph, node, record.subjects)
    if record.isbn and c.ISBN.match(record.isbn):
        graph.add((node, SCHEMA.isbn, Literal(record.isbn)))
        graph.add((node, OWL.sameAs, URIRef("urn:isbn:" + record.isbn)))
    if record.library_id:
        library = c.library_uri(record.library.code)
        graph.add((node, SCHEMA.holdingArchive, library))
        graph.add((node, EDM.dataProvider, library))
        graph.add((library, RDFS.label, Literal(record.library.name)))
    if record.holding_url:
        url = record.holding_url
        url = absolute(url) if url.startswith("/") else url
        if url.startswith(("http://", "https://")):
            graph.add((node, EDM.isShownAt, URIRef(url)))
    return node


def link(graph: Graph, node: URIRef, title: str) -> None:
    """A related item's title, so a client can show the link without fetching it."""
    c.add(graph, node, SCHEMA.name, c.text(title))
