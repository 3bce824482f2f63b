"""Libraries (图书馆) as schema:Library, placed in their division and network."""

from __future__ import annotations

from collections.abc import Iterator

from rdflib import Graph, Literal
from rdflib.namespace import RDF

from shuxiang.linkeddata import public
from shuxiang.linkeddata.describers import common as c
from shuxiang.linkeddata.describers.base import Describer
from shuxiang.linkeddata.vocab import SCHEMA, new_graph
from shuxiang.network.models import Library


def describe(library: Library) -> Graph:
    graph, uri = new_graph(), c.library_uri(library.code)
    graph.add((uri, RDF.type, SCHEMA.Library))
    graph.add((uri, SCHEMA.name, Literal(library.name, lang="zh-Hans")))
    c.add(graph, uri, SCHEMA.name, c.text(library.name_en, "en"))
    graph.add((uri, SCHEMA.identifier, Literal(library.code)))
    c.add(graph, uri, SCHEMA.address, c.text(library.address))
    if library.parent_id:
        parent = c.library_uri(library.parent.code)
        graph.add((uri, SCHEMA.parentOrganization, parent))
        graph.add((parent, SCHEMA.subOrganization, uri))
    if library.division_id:
        place = c.place_uri(library.division.code)
        graph.add((uri, SCHEMA.location, place))
        graph.add((place, RDF.type, SCHEMA.Place))
        graph.add((place, SCHEMA.name, Literal(library.division.name)))
    return graph


class LibraryDescriber(Describer):
    kind = "library"
    url_names = ("network:library",)
    models = ("network.Library",)

    def describe_page(self, code: str, **kwargs) -> Graph | None:
        library = public.libraries().filter(code=code.upper()).first()
        return None if library is None else describe(library)

    def iter_documents(self) -> Iterator[tuple[str, Graph]]:
        for library in public.libraries().order_by("pk").iterator(chunk_size=500):
            yield str(c.library_uri(library.code)), describe(library)

    def documents_for(self, model: str, pk: object) -> list[tuple[str, Graph | None]]:
        library = Library.objects.filter(pk=pk).first()
        if library is None:
            return []
        visible = public.libraries().filter(pk=pk).first()
        return [(str(c.library_uri(library.code)), None if visible is None else describe(visible))]


DESCRIBERS = [LibraryDescriber()]
