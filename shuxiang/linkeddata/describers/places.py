"""Place pages (地区): administrative divisions (GB/T 2260) with their libraries."""

from __future__ import annotations

from collections.abc import Iterator

from rdflib import Graph, Literal
from rdflib.namespace import RDF

from shuxiang.linkeddata import entities, public
from shuxiang.linkeddata.describers import common as c
from shuxiang.linkeddata.describers.base import Describer
from shuxiang.linkeddata.describers.entities import place_graph
from shuxiang.linkeddata.vocab import EDM, SCHEMA, new_graph
from shuxiang.network.models import Division


def division_graph(division: Division) -> Graph:
    """The store's document of a place: its name, code and province."""
    graph, uri = new_graph(), c.place_uri(division.code)
    graph.add((uri, RDF.type, SCHEMA.Place))
    graph.add((uri, RDF.type, EDM.Place))
    graph.add((uri, SCHEMA.name, Literal(division.name, lang="zh-Hans")))
    graph.add((uri, SCHEMA.identifier, Literal(division.code)))
    if division.level != Division.Level.PROVINCE:
        graph.add((uri, SCHEMA.containedInPlace, c.place_uri(division.province_code)))
    return graph


class PlaceDescriber(Describer):
    kind = "place"
    url_names = ("linkeddata:place",)

    def describe_page(self, key: str, **kwargs) -> Graph | None:
        entity = entities.place(key)
        return None if entity is None else place_graph(entity)

    def iter_documents(self) -> Iterator[tuple[str, Graph]]:
        """The divisions where public libraries are (not all ~3,000 codes)."""
        codes = set(
            public.libraries().exclude(division=None).values_list("division__code", flat=True)
        )
        codes |= {code[:2] + "0000" for code in codes}
        for division in Division.objects.filter(code__in=codes).order_by("code"):
            yield str(c.place_uri(division.code)), division_graph(division)


DESCRIBERS = [PlaceDescriber()]
