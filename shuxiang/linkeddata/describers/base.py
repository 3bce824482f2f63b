"""The describer seam: one class per kind of entity turns database rows into RDF graphs.

A describer module (listed in ``SHUXIANG_LINKEDDATA_DESCRIBERS``) exposes ``DESCRIBERS``, a list
of :class:`Describer` objects. Each says which page URL names it describes (so the content
negotiation can answer RDF at those pages), describes one page's entity from the URL's keyword
arguments, and iterates over every public entity (for the SPARQL store and the dumps). Only what
an anonymous reader may see in search is ever described.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from rdflib import Graph


class Describer:
    """Base class: override ``describe_page`` and ``iter_documents``."""

    kind: str = ""
    url_names: tuple[str, ...] = ()
    # Models (``app_label.ModelName``) whose saves change the documents of this kind.
    models: tuple[str, ...] = ()

    def describe_page(self, **kwargs) -> Graph | None:
        """The graph of the page with these URL arguments; None when absent or not public."""
        raise NotImplementedError

    def iter_documents(self) -> Iterator[tuple[str, Graph]]:
        """(URI, graph) of every public entity of this kind, for the store and the dumps."""
        raise NotImplementedError

    def documents_for(self, model: str, pk: object) -> list[tuple[str, Graph | None]]:
        """The documents one changed row of ``model`` touches: (URI, graph or None when gone)."""
        return []


@dataclass
class FunctionDescriber(Describer):
    """A describer made of plain functions, for apps that offer ``describe_x``/``iter_x``.

    ``load`` finds the public object of a page from its URL arguments (None: not found);
    ``describe`` turns one object into a graph; ``iterate`` yields every public object;
    ``uri`` gives an object's URI (the graph's subject).
    """

    kind: str = ""
    url_names: tuple[str, ...] = ()
    load: Callable[..., object | None] = lambda **kwargs: None
    describe: Callable[[object], Graph] = lambda obj: Graph()
    iterate: Callable[[], Iterable[object]] = tuple
    uri: Callable[[object], str] = str
    models: tuple[str, ...] = ()
    load_pk: Callable[[object], object | None] | None = None

    def describe_page(self, **kwargs) -> Graph | None:
        found = self.load(**kwargs)
        return None if found is None else self.describe(found)

    def iter_documents(self) -> Iterator[tuple[str, Graph]]:
        for obj in self.iterate():
            yield self.uri(obj), self.describe(obj)

    def documents_for(self, model: str, pk: object) -> list[tuple[str, Graph | None]]:
        if self.load_pk is None:
            return []
        found = self.load_pk(pk)
        return [] if found is None else [(self.uri(found), self.describe(found))]
