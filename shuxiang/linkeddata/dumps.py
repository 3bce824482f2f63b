"""Static RDF dumps (数据下载): the whole store as gzip N-Triples and Turtle, with VoID.

Each file is written beside its final name and renamed into place, so a download never sees a
half-written dump. ``manifest.json`` keeps what the dumps page and the VoID description show.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from django.urls import reverse
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, XSD

from shuxiang.linkeddata import store
from shuxiang.linkeddata.vocab import EDM, PREFIXES, SCHEMA, VOID, absolute, new_graph

FILES = {"shuxiang.nt.gz": ox.RdfFormat.N_TRIPLES, "shuxiang.ttl.gz": ox.RdfFormat.TURTLE}
VOID_NAME = "void.ttl"


@dataclass
class Dump:
    name: str
    size: int
    triples: int
    media_type: str
    modified: str


def folder() -> Path:
    path = store.folder() / "dumps"
    path.mkdir(exist_ok=True)
    return path


def _triples(snapshot: ox.Store):
    for quad in snapshot.quads_for_pattern(None, None, None, None):
        yield ox.Triple(quad.subject, quad.predicate, quad.object)


def write_file(snapshot: ox.Store, name: str, fmt: ox.RdfFormat, target: Path) -> int:
    """Serialize every triple of ``snapshot`` into gzip ``target/name``; the triple count."""
    temporary = target / (name + ".part")
    counted = _Counter(_triples(snapshot))
    prefixes = {k: str(v) for k, v in PREFIXES.items()} if fmt == ox.RdfFormat.TURTLE else None
    with gzip.open(temporary, "wb", compresslevel=6) as output:
        ox.serialize(counted, output, fmt, prefixes=prefixes)
    os.replace(temporary, target / name)
    return counted.count


class _Counter:
    def __init__(self, items):
        self.items, self.count = items, 0

    def __iter__(self):
        for item in self.items:
            self.count += 1
            yield item


def write_all() -> list[Dump]:
    """Write every dump and the VoID description from the newest snapshot."""
    snapshot = store.open_snapshot()
    if snapshot is None:
        from shuxiang.linkeddata import sync

        sync.rebuild_now()
        snapshot = store.open_snapshot()
    target = folder()
    now = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
    written = []
    for name, fmt in FILES.items():
        triples = write_file(snapshot, name, fmt, target)
        written.append(Dump(name, (target / name).stat().st_size, triples, fmt.media_type, now))
    manifest = [d.__dict__ for d in written]
    (target / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False))
    (target / VOID_NAME).write_bytes(
        void_graph(written).serialize(format="turtle", encoding="utf-8")
    )
    return written


def listed() -> list[Dump]:
    """The dumps written last, as the manifest says (empty before the first run)."""
    try:
        return [Dump(**item) for item in json.loads((folder() / "manifest.json").read_text())]
    except (FileNotFoundError, ValueError, TypeError):
        return []


def void_graph(written: list[Dump]):
    """The VoID description of the dataset: its dumps, endpoint, URI space and vocabularies."""
    graph = new_graph()
    dataset = URIRef(absolute(reverse("linkeddata:void")) + "#dataset")
    graph.add((dataset, RDF.type, VOID.Dataset))
    graph.add((dataset, DCTERMS.title, Literal("书香 Shuxiang linked data", lang="zh-Hans")))
    graph.add((dataset, VOID.sparqlEndpoint, URIRef(absolute(reverse("linkeddata:sparql")))))
    graph.add((dataset, VOID.uriSpace, Literal(absolute("/"))))
    for vocabulary in (SCHEMA, DCTERMS, EDM):
        graph.add((dataset, VOID.vocabulary, URIRef(str(vocabulary))))
    for dump in written:
        url = URIRef(absolute(reverse("linkeddata:dump", args=[dump.name])))
        graph.add((dataset, VOID.dataDump, url))
        graph.add((dataset, DCTERMS.modified, Literal(dump.modified, datatype=XSD.dateTime)))
    if written:
        graph.add((dataset, VOID.triples, Literal(written[0].triples)))
    return graph
