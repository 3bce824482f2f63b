"""The search interface every backend implements, plus what they share (query, visibility).

Backends return record ids with scores, a total and facet counts; the service layer turns
them into records, highlights and clusters. Choose one with ``SHUXIANG_SEARCH_BACKEND``
(a dotted path); empty means tantivy on SQLite and PostgreSQL full-text in server mode.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.utils.module_loading import import_string

from shuxiang.catalog.search import analysis

FACETS = ("type", "library", "year", "language", "subject", "collection")
SORTS = ("relevance", "year", "-year", "title")
FIELDS = ("any", "title", "creator", "subject")
DEFAULT_BACKENDS = {
    "tantivy": "shuxiang.catalog.search.tantivy_backend.TantivyBackend",
    "postgres": "shuxiang.catalog.search.postgres_backend.PostgresBackend",
}


@dataclass(frozen=True)
class Visibility:
    """What an actor may see: everything, or public + their readerships and staff scopes."""

    everything: bool = False
    authenticated: bool = False
    home_library: str = ""
    staff_scopes: tuple[str, ...] = ()


@dataclass
class SearchQuery:
    text: str = ""
    field: str = "any"
    filters: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    year_from: int | None = None
    year_to: int | None = None
    sort: str = "relevance"
    page: int = 1
    page_size: int = 20
    visibility: Visibility = dataclasses.field(default_factory=Visibility)
    facets: bool = True

    @cached_property
    def terms(self) -> list[str]:
        return analysis.query_tokens(self.text)

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


@dataclass
class RawResults:
    ids: list[int]
    total: int
    facets: dict[str, list[tuple[str, int]]] = dataclasses.field(default_factory=dict)


def document_of(record) -> dict:
    """The analyzed, flattened form of a record that every backend indexes."""
    library = record.library
    return {
        "id": record.pk,
        "title": analysis.analyzed(record.title),
        "creator": analysis.analyzed(" ".join(record.creators)),
        "subject": analysis.analyzed(" ".join(record.subjects)),
        "body": analysis.analyzed(
            " ".join(
                [
                    record.description,
                    record.publisher,
                    record.collection,
                    *record.identifiers,
                    analysis.pinyin_text(record.title, record.creators),
                ]
            )
        ),
        "type": record.type,
        "library": library.code if library else "",
        "ancestors": [c for c in library.path.split("/") if c] if library else [],
        "language": record.language,
        "subjects": record.subjects[:20],
        "collection": record.collection,
        "year": record.year,
        "access": record.access_policy,
        "sort_title": record.title_folded,
    }


class SearchBackend:
    """Base class: index, remove and search records. Subclasses implement the five methods."""

    name = "base"

    def update(self, record_ids: Iterable[int]) -> None:
        """Index live records among ``record_ids``, remove the rest (deleted or gone)."""
        from shuxiang.catalog.models import Record

        ids = list(record_ids)
        live = list(Record.objects.select_related("library").filter(pk__in=ids, deleted=False))
        self.remove([i for i in ids if i not in {r.pk for r in live}])
        if live:
            self.index(live)

    def replace_documents(self, documents: list[dict], removed: list[int]) -> None:
        """Index analyzed documents (``document_of`` output, replacing earlier versions of
        them) and drop ``removed``; backends override it to do both in one commit."""
        self.update([*(d["id"] for d in documents), *removed])

    def index(self, records: list) -> None:
        raise NotImplementedError

    def remove(self, record_ids: list[int]) -> None:
        raise NotImplementedError

    def clear(self) -> None:
        raise NotImplementedError

    def search(self, query: SearchQuery) -> RawResults:
        raise NotImplementedError

    def suggest(self, prefix: str, visibility: Visibility, limit: int = 10) -> list[str]:
        raise NotImplementedError


_backend: SearchBackend | None = None


def backend_path() -> str:
    from shuxiang.core import options

    configured = options.value("SEARCH_BACKEND")
    if configured:
        return DEFAULT_BACKENDS.get(configured, configured)
    vendor = settings.DATABASES["default"]["ENGINE"]
    return DEFAULT_BACKENDS["postgres" if "postgresql" in vendor else "tantivy"]


def get_backend() -> SearchBackend:
    """The configured backend (one instance per process)."""
    global _backend
    if _backend is None:
        _backend = import_string(backend_path())()
    return _backend


def set_backend(backend: SearchBackend | None) -> None:
    """Replace the process-wide backend (tests and benchmarks switch engines this way)."""
    global _backend
    _backend = backend
