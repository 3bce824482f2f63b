"""The search interface every backend implements, plus what they share (query, visibility).

Backends return record ids with scores, a total and facet counts; the service layer turns
them into records, highlights and clusters. Choose one with ``SHUXIANG_SEARCH_BACKEND``
(a dotted path, or tantivy / postgres / groonga); empty means tantivy on SQLite, and in server
mode Groonga when ``SHUXIANG_GROONGA_URL`` names its server (the pick of issue #21: its first
call after an index change is ~10x faster), else PostgreSQL full-text.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from django.conf import settings
from django.utils.module_loading import import_string

from shuxiang.catalog.search import analysis, names

FACETS = ("type", "library", "year", "language", "subject", "collection")
SORTS = ("relevance", "year", "-year", "title")
FIELDS = ("any", "title", "creator", "subject")
DEFAULT_BACKENDS = {
    "tantivy": "shuxiang.catalog.search.tantivy_backend.TantivyBackend",
    "postgres": "shuxiang.catalog.search.postgres_backend.PostgresBackend",
    "groonga": "shuxiang.catalog.search.groonga_backend.GroongaBackend",
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

    @cached_property
    def alternatives(self) -> list[list[str]]:
        """The strict tier: a record matches when it has every term of one alternative (the
        query's terms; for pinyin typed with spaces also the solid form, ``li bai`` → libai)."""
        found = [self.terms] if self.terms else []
        solid = analysis.solid_pinyin(self.text)
        if solid and [solid] != self.terms:
            found.append([solid])
        return found

    @cached_property
    def most_terms(self) -> list[list[str]]:
        """The middle tier: records with most (three in five) of the looser tier's words, as
        conjunctions of every such subset (none when the query has too few or too many)."""
        words = self.loose_terms
        if not 3 <= len(words) <= MAX_MOST_WORDS:
            return []
        need = max(2, -(-len(words) * 3 // 5))
        return [list(subset) for subset in itertools.combinations(words, need)]

    @cached_property
    def loose_terms(self) -> list[str]:
        """The looser tier (used when the strict one finds little): any word or sub-word."""
        return list(dict.fromkeys([*self.terms, *analysis.loose_tokens(self.text)]))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


UPDATE_CHUNK = 5000  # record ids a query (SQLite allows 32,766 parameters)
MAX_MOST_WORDS = 7  # at most 35 subsets of three or four words
COUNT_LIMIT = 10_000  # totals above are "10,000+" (as Elasticsearch's track_total_hits)
FEW = 5  # a strict query finding fewer records than this also shows the looser tier


@dataclass
class RawResults:
    ids: list[int]
    total: int
    facets: dict[str, list[tuple[str, int]]] = dataclasses.field(default_factory=dict)
    strict_total: int | None = None  # set when looser matches follow the strict ones
    total_exact: bool = True  # False: more than ``total`` matched (counting stopped there)
    facets_exact: bool = True  # False: facets counted over the first ``total`` matches only
    works: int | None = None  # distinct works among the matches, when the backend counted them


def document_of(record) -> dict:
    """The analyzed, flattened form of a record that every backend indexes."""
    library = record.library
    english_title = " ".join(names.of_work(record.title))
    return {
        "id": record.pk,
        "title": analysis.analyzed(f"{record.title} {english_title}"),
        "creator": analysis.analyzed(" ".join(record.creators)),
        "subject": analysis.analyzed(" ".join(record.subjects)),
        "body": analysis.analyzed(
            " ".join(
                [
                    record.description,
                    record.publisher,
                    record.collection,
                    *names.of_collection(record.collection),
                    *names.of_people(record.creators),
                    *record.identifiers,
                    analysis.pinyin_text(record.title, record.creators),
                    analysis.pinyin_text(record.collection, []),
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

        ids = list(dict.fromkeys(record_ids))
        live = []
        for start in range(0, len(ids), UPDATE_CHUNK):
            chunk = ids[start : start + UPDATE_CHUNK]
            live += Record.objects.select_related("library").filter(pk__in=chunk, deleted=False)
        live_ids = {record.pk for record in live}
        self.remove([i for i in ids if i not in live_ids])
        if live:
            self.index(live)

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


def backend_path(database_engine: str | None = None) -> str:
    """The dotted path of the configured backend, or the mode's own (``database_engine``:
    the Django database engine, the default database's when not given)."""
    from shuxiang.core import options

    configured = options.value("SEARCH_BACKEND")
    if configured:
        return DEFAULT_BACKENDS.get(configured, configured)
    if "postgresql" not in (database_engine or settings.DATABASES["default"]["ENGINE"]):
        return DEFAULT_BACKENDS["tantivy"]
    return DEFAULT_BACKENDS["groonga" if options.value("GROONGA_URL") else "postgres"]


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
