"""Person pages (人物): the people named as creators in public records and resources.

Their names already sit in every record's and resource's document, so the store holds no
separate person documents; the page (and its RDF) gathers the related items live.
"""

from __future__ import annotations

from collections.abc import Iterator

from rdflib import Graph

from shuxiang.linkeddata import entities
from shuxiang.linkeddata.describers.base import Describer
from shuxiang.linkeddata.describers.entities import person_graph


class PersonDescriber(Describer):
    kind = "person"
    url_names = ("linkeddata:person",)

    def describe_page(self, key: str, **kwargs) -> Graph | None:
        entity = entities.person(key)
        return None if entity.empty else person_graph(entity)

    def iter_documents(self) -> Iterator[tuple[str, Graph]]:
        return iter(())


DESCRIBERS = [PersonDescriber()]
