"""Work pages (作品): a cluster of records with its public holdings."""

from __future__ import annotations

from collections.abc import Iterator

from rdflib import Graph

from shuxiang.catalog.models import Record
from shuxiang.linkeddata import entities, public
from shuxiang.linkeddata.describers import common as c
from shuxiang.linkeddata.describers.base import Describer
from shuxiang.linkeddata.describers.entities import work_graph


def _document(pk: int) -> tuple[str, Graph | None]:
    entity = entities.work(pk)
    return str(c.work_uri(pk)), None if entity is None else work_graph(entity)


class WorkDescriber(Describer):
    kind = "work"
    url_names = ("linkeddata:work",)
    models = ("catalog.Record", "catalog.Work")

    def describe_page(self, key: str, **kwargs) -> Graph | None:
        if not key.isascii() or not key.isdigit() or len(key) > 18:
            return None
        entity = entities.work(int(key))
        return None if entity is None else work_graph(entity)

    def iter_documents(self) -> Iterator[tuple[str, Graph]]:
        ids = public.records().exclude(work=None).values_list("work_id", flat=True).distinct()
        for pk in sorted(set(ids)):
            uri, graph = _document(pk)
            if graph is not None:
                yield uri, graph

    def documents_for(self, model: str, pk: object) -> list[tuple[str, Graph | None]]:
        """A changed record touches its work; a changed work itself."""
        if model == "catalog.Work":
            work_ids = {int(pk)}
        else:
            rows = Record.objects.filter(pk=pk).exclude(work=None)
            work_ids = set(rows.values_list("work_id", flat=True))
        return [_document(work_id) for work_id in sorted(work_ids)]


DESCRIBERS = [WorkDescriber()]
