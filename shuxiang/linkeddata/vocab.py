"""Vocabularies and URIs of the linked data (关联数据): schema.org, Dublin Core terms, EDM.

Every URI is the canonical page URL on this node (``SHUXIANG_BASE_URL`` + the page's path), so a
URI dereferences to its page, and to RDF by content negotiation.
"""

from __future__ import annotations

from urllib.parse import quote

from rdflib import Graph, Namespace
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, XSD

from shuxiang.core.http import base_url

SCHEMA = Namespace("https://schema.org/")
EDM = Namespace("http://www.europeana.eu/schemas/edm/")
VOID = Namespace("http://rdfs.org/ns/void#")
WIKIDATA = Namespace("http://www.wikidata.org/entity/")

PREFIXES = {
    "schema": SCHEMA,
    "dcterms": DCTERMS,
    "edm": EDM,
    "owl": OWL,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "void": VOID,
}

# The JSON-LD context the documents are compacted with (pyld expands them back).
JSONLD_CONTEXT = {prefix: str(namespace) for prefix, namespace in PREFIXES.items()}


def new_graph() -> Graph:
    """An empty graph knowing the prefixes, so Turtle and JSON-LD read well."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace, override=True, replace=True)
    return graph


def absolute(path: str) -> str:
    """The URI of a page of this node from its path."""
    return base_url() + path


def entity_path(kind: str, key: str) -> str:
    """The path of an entity page: ``/ld/<kind>/<key>/``, the key percent-encoded."""
    return f"/ld/{kind}/{quote(key, safe='')}/"
