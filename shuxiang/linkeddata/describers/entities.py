"""Persons, subjects, places and works: graphs of the entity pages (实体页)."""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from shuxiang.linkeddata import entities
from shuxiang.linkeddata.describers import common as c
from shuxiang.linkeddata.describers.holdings import describe_record, link, record_node
from shuxiang.linkeddata.describers.libraries import describe as describe_library
from shuxiang.linkeddata.vocab import EDM, SCHEMA, new_graph


def _related(graph: Graph, entity: entities.Entity, predicate: URIRef, target: URIRef) -> None:
    for record in entity.records:
        node = record_node(record)
        graph.add((node, predicate, target))
        link(graph, node, record.title)
    for resource in entity.resources:
        node = c.resource_uri(resource.pk)
        graph.add((node, predicate, target))
        link(graph, node, resource.title)


def person_graph(entity: entities.Entity) -> Graph:
    graph, uri = new_graph(), c.person_uri(entity.key)
    graph.add((uri, RDF.type, SCHEMA.Person))
    graph.add((uri, RDF.type, EDM.Agent))
    graph.add((uri, SCHEMA.name, Literal(entity.label)))
    _related(graph, entity, DCTERMS.creator, uri)
    return graph


def subject_graph(entity: entities.Entity) -> Graph:
    graph, uri = new_graph(), c.subject_uri(entity.key)
    graph.add((uri, RDF.type, SKOS.Concept))
    graph.add((uri, SKOS.prefLabel, Literal(entity.label)))
    _related(graph, entity, DCTERMS.subject, uri)
    return graph


def place_graph(entity: entities.Entity) -> Graph:
    graph, uri = new_graph(), c.place_uri(entity.key)
    graph.add((uri, RDF.type, SCHEMA.Place))
    graph.add((uri, RDF.type, EDM.Place))
    graph.add((uri, SCHEMA.name, Literal(entity.label, lang="zh-Hans")))
    graph.add((uri, SCHEMA.identifier, Literal(entity.key)))
    if entity.parent is not None:
        parent = c.place_uri(entity.parent.code)
        graph.add((uri, SCHEMA.containedInPlace, parent))
        graph.add((parent, SCHEMA.name, Literal(entity.parent.name, lang="zh-Hans")))
    for library in entity.libraries:
        graph += describe_library(library)
    for resource in entity.resources:
        node = c.resource_uri(resource.pk)
        graph.add((node, SCHEMA.provider, c.library_uri(resource.library.code)))
        link(graph, node, resource.title)
    return graph


def work_graph(entity: entities.Entity) -> Graph:
    work = entity.extra["work"]
    graph, uri = new_graph(), c.work_uri(work.pk)
    graph.add((uri, RDF.type, SCHEMA.CreativeWork))
    graph.add((uri, RDF.type, EDM.ProvidedCHO))
    c.add(graph, uri, DCTERMS.title, c.text(work.title))
    c.add(graph, uri, SCHEMA.name, c.text(work.title))
    if work.year:
        graph.add((uri, DCTERMS.date, c.date_literal(f"{work.year:04d}")))
    for record in entity.records:
        node = describe_record(graph, record)
        graph.add((uri, SCHEMA.workExample, node))
        graph.add((node, SCHEMA.exampleOfWork, uri))
    return graph
