"""Digital resources (数字资源) as schema.org creative works, Dublin Core terms and EDM CHOs."""

from __future__ import annotations

from collections.abc import Iterator

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from shuxiang.linkeddata import public
from shuxiang.linkeddata.describers import common as c
from shuxiang.linkeddata.describers.base import Describer
from shuxiang.linkeddata.vocab import EDM, SCHEMA, absolute, new_graph
from shuxiang.resources.models import Resource

SCHEMA_CLASS = {
    "ebook": SCHEMA.Book,
    "classic": SCHEMA.Book,
    "journal_issue": SCHEMA.PublicationIssue,
    "newspaper_page": SCHEMA.NewsArticle,
    "video": SCHEMA.VideoObject,
    "audio": SCHEMA.AudioObject,
    "image": SCHEMA.ImageObject,
    "web_record": SCHEMA.DigitalDocument,
}
EDM_TYPE = {"video": "VIDEO", "audio": "SOUND", "image": "IMAGE"}


def describe(resource: Resource) -> Graph:
    """The graph of one public resource."""
    graph, uri = new_graph(), c.resource_uri(resource.pk)
    graph.add((uri, RDF.type, SCHEMA_CLASS.get(resource.type, SCHEMA.CreativeWork)))
    graph.add((uri, RDF.type, EDM.ProvidedCHO))
    graph.add((uri, EDM.type, Literal(EDM_TYPE.get(resource.type, "TEXT"))))
    language = resource.language or None
    for predicate in (DCTERMS.title, SCHEMA.name):
        c.add(graph, uri, predicate, c.text(resource.title, language))
    for code, title in (resource.titles or {}).items():
        c.add(graph, uri, DCTERMS.alternative, c.text(str(title), str(code)[:35] or None))
    c.add(graph, uri, DCTERMS.description, c.text(resource.description, language))
    c.add(graph, uri, DCTERMS.publisher, c.text(resource.publisher))
    c.add(graph, uri, DCTERMS.date, c.date_literal(resource.date))
    c.add(graph, uri, DCTERMS.language, c.text(resource.language))
    c.add(graph, uri, DCTERMS.rights, c.text(resource.rights))
    c.add(graph, uri, DCTERMS.license, c.text(resource.licence))
    add_people(graph, uri, c.names(resource.creator), DCTERMS.creator)
    add_people(graph, uri, c.names(resource.contributor), DCTERMS.contributor)
    add_subjects(graph, uri, resource.subjects)
    library = c.library_uri(resource.library.code)
    graph.add((uri, EDM.dataProvider, library))
    graph.add((uri, SCHEMA.provider, library))
    graph.add((library, RDFS.label, Literal(resource.library.name)))
    if resource.identifier:
        graph.add((uri, DCTERMS.identifier, Literal(resource.identifier)))
        graph.add((uri, OWL.sameAs, URIRef(absolute("/id/" + resource.identifier))))
    if resource.type == "video" and resource.extra.get("speaker"):
        add_people(graph, uri, c.names(str(resource.extra["speaker"])), SCHEMA.actor)
    return graph


def add_people(graph: Graph, uri: URIRef, people: list[str], predicate: URIRef) -> None:
    for name in people:
        person = c.person_uri(name)
        graph.add((uri, predicate, person))
        graph.add((person, RDF.type, SCHEMA.Person))
        graph.add((person, SCHEMA.name, Literal(name)))


def add_subjects(graph: Graph, uri: URIRef, subjects: list) -> None:
    for label in subjects or []:
        label = str(label).strip()
        if not label:
            continue
        subject = c.subject_uri(label)
        graph.add((uri, DCTERMS.subject, subject))
        graph.add((subject, RDF.type, SKOS.Concept))
        graph.add((subject, SKOS.prefLabel, Literal(label)))


class ResourceDescriber(Describer):
    kind = "resource"
    url_names = ("resources:detail",)
    models = ("resources.Resource",)

    def describe_page(self, pk: int, **kwargs) -> Graph | None:
        resource = public.resources().filter(pk=pk).first()
        return None if resource is None else describe(resource)

    def iter_documents(self) -> Iterator[tuple[str, Graph]]:
        for resource in public.resources().order_by("pk").iterator(chunk_size=500):
            yield str(c.resource_uri(resource.pk)), describe(resource)

    def documents_for(self, model: str, pk: object) -> list[tuple[str, Graph | None]]:
        resource = public.resources().filter(pk=pk).first()
        return [(str(c.resource_uri(int(pk))), None if resource is None else describe(resource))]


DESCRIBERS = [ResourceDescriber()]
