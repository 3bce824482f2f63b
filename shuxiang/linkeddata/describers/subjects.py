"""Subject pages (主题): the subject headings of public records and resources.

Like persons, their labels sit in the records' documents; the page gathers related items live.
"""

from __future__ import annotations

from collections.abc import Iterator

from rdflib import Graph

from shuxiang.linkeddata import entities
from shuxiang.linkeddata.describers.base import Describer
from shuxiang.linkeddata.describers.entities import subject_graph


class SubjectDescriber(Describer):
    kind = "subject"
    url_names = ("linkeddata:subject",)

    def describe_page(self, key: str, **kwargs) -> Graph | None:
        entity = entities.subject(key)
        return None if entity.empty else subject_graph(entity)

    def iter_documents(self) -> Iterator[tuple[str, Graph]]:
        return iter(())


DESCRIBERS = [SubjectDescriber()]
