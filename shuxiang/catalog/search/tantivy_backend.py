"""The embedded search engine: a tantivy index under ``settings.INDEX_DIR``.

Text fields hold pre-analyzed tokens (see ``analysis``) split on whitespace; facet fields are
raw fast fields so counts come from tantivy's aggregations; ``id`` is a fast field so hits
turn into record ids without loading stored documents.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import tantivy
from django.conf import settings

from shuxiang.catalog.models import AccessPolicy
from shuxiang.catalog.search.base import (
    FACETS,
    FEW,
    RawResults,
    SearchBackend,
    SearchQuery,
    Visibility,
    document_of,
)

# A name ranks the person's own works above works naming them in their titles (tuned on the
# judged queries of issue #21: creator 4 → 10).
TEXT_BOOSTS = {"title": 4.0, "creator": 10.0, "subject": 1.5, "body": 1.0}
STRICT_SCORE = 10_000.0  # tiers: strict above "most words" above any BM25 of the loosest
MOST_SCORE = 1_000.0
RAW_FIELDS = ("type", "library", "language", "subjects", "collection", "access", "ancestors")
FACET_FIELDS = {"subject": "subjects"}
ACCESS_POLICIES = tuple(AccessPolicy.values)
WRITER_HEAP = 32_000_000
BULK_HEAP = 512_000_000


def build_schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_unsigned_field("id", stored=True, indexed=True, fast=True)
    for name in TEXT_BOOSTS:
        builder.add_text_field(name, tokenizer_name="whitespace", index_option="position")
    for name in RAW_FIELDS:
        builder.add_text_field(name, tokenizer_name="raw", fast=True, index_option="basic")
    builder.add_text_field("sort_title", tokenizer_name="raw", fast=True, index_option="basic")
    builder.add_text_field("suggest", tokenizer_name="raw", index_option="basic")
    builder.add_integer_field("year", indexed=True, fast=True)
    return builder.build()


class TantivyBackend(SearchBackend):
    """Embedded default: fast, no server, one writer at a time per index folder."""

    name = "tantivy"

    def __init__(self, path: Path | None = None):
        self.path = Path(path or Path(settings.INDEX_DIR) / "tantivy")
        self.path.mkdir(parents=True, exist_ok=True)
        self.schema = build_schema()
        self.index_ = tantivy.Index(self.schema, path=str(self.path), reuse=True)
        self._lock = threading.Lock()

    # writing -------------------------------------------------------------------------
    def _writer(self, heap: int) -> tantivy.IndexWriter:
        threads = 1 if heap == WRITER_HEAP else 0
        for attempt in range(50):  # another process may hold the writer lock briefly
            try:
                return self.index_.writer(heap_size=heap, num_threads=threads)
            except ValueError:
                time.sleep(0.1 * (attempt + 1))
        return self.index_.writer(heap_size=heap, num_threads=threads)

    def _commit(self, work, heap: int = WRITER_HEAP) -> None:
        with self._lock:
            writer = self._writer(heap)
            work(writer)
            writer.commit()
            writer.wait_merging_threads()
            self.index_.reload()

    def index(self, records: list) -> None:
        def work(writer):
            writer.delete_documents_by_query(self._ids_query([record.pk for record in records]))
            for record in records:
                writer.add_document(self.document(record))

        self._commit(work)

    def bulk(self, records) -> int:
        """Add many records with one writer and one commit (full rebuilds)."""
        return self.bulk_documents(document_of(record) for record in records)

    def bulk_documents(self, documents) -> int:
        """Add already analyzed documents (``document_of`` output) in one commit."""
        count = 0

        def work(writer):
            nonlocal count
            for data in documents:
                writer.add_document(self.from_document(data))
                count += 1

        self._commit(work, BULK_HEAP)
        return count

    def document(self, record) -> tantivy.Document:
        return self.from_document(document_of(record))

    def from_document(self, data: dict) -> tantivy.Document:
        doc = tantivy.Document()
        doc.add_unsigned("id", data["id"])
        for name in TEXT_BOOSTS:
            if data[name]:
                doc.add_text(name, data[name])
        for name in ("type", "library", "language", "collection", "access"):
            if data[name]:
                doc.add_text(name, data[name])
        for value in data["subjects"]:
            doc.add_text("subjects", value)
        for code in data["ancestors"]:
            doc.add_text("ancestors", code)
        if data["year"] is not None:
            doc.add_integer("year", data["year"])
        doc.add_text("sort_title", data["sort_title"] or "\uffff")
        if data["sort_title"]:
            doc.add_text("suggest", data["sort_title"][:80])
        return doc

    def remove(self, record_ids: list[int]) -> None:
        if record_ids:
            self._commit(lambda w: w.delete_documents_by_query(self._ids_query(record_ids)))

    def _ids_query(self, record_ids: list[int]) -> tantivy.Query:
        """Documents of these records (one query: a delete per record costs a pass each)."""
        return tantivy.Query.term_set_query(self.schema, "id", list(record_ids))

    def clear(self) -> None:
        self._commit(lambda w: w.delete_all_documents())

    # reading -------------------------------------------------------------------------
    def _terms(self, values, name) -> tantivy.Query:
        return tantivy.Query.term_set_query(self.schema, name, list(values))

    def hidden_query(self, vis: Visibility) -> tantivy.Query | None:
        """What ``vis`` may NOT see, as a query over the few restricted records.

        Excluding the rare restricted records is much cheaper than requiring the common
        public ones, which would make every query iterate most of the index.
        """
        if vis.everything:
            return None
        allowed = {"public", "registered"} if vis.authenticated else {"public"}
        restricted = sorted(set(ACCESS_POLICIES) - allowed)
        exceptions = []
        if vis.home_library:
            home = tantivy.Query.boolean_query(
                [
                    (tantivy.Occur.Must, self._terms(["library", "network"], "access")),
                    (tantivy.Occur.Must, self._terms([vis.home_library], "library")),
                ]
            )
            exceptions.append((tantivy.Occur.MustNot, home))
        if vis.staff_scopes:
            exceptions.append((tantivy.Occur.MustNot, self._terms(vis.staff_scopes, "ancestors")))
        return tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, self._terms(restricted, "access")), *exceptions]
        )

    def visibility_query(self, vis: Visibility) -> tantivy.Query | None:
        """What ``vis`` may see (for suggestions, which take a positive filter)."""
        hidden = self.hidden_query(vis)
        if hidden is None:
            return None
        return tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, tantivy.Query.all_query()), (tantivy.Occur.MustNot, hidden)]
        )

    def _term(self, term: str, fields: list[str]) -> tantivy.Query:
        """One term in any of ``fields``, each with its boost."""
        per_field = [
            (
                tantivy.Occur.Should,
                tantivy.Query.boost_query(
                    tantivy.Query.term_query(self.schema, name, term), TEXT_BOOSTS[name]
                ),
            )
            for name in fields
        ]
        return tantivy.Query.boolean_query(per_field)

    def _all(self, terms: list[str], fields: list[str]) -> tantivy.Query:
        return tantivy.Query.boolean_query(
            [(tantivy.Occur.Must, self._term(term, fields)) for term in terms]
        )

    def text_query(self, query: SearchQuery, loose: bool = False) -> tantivy.Query | None:
        """The strict tier (every term of one alternative), or with ``loose`` the strict tier
        ranked first (constant score above any looser one) then records with any term."""
        fields = list(TEXT_BOOSTS) if query.field == "any" else [query.field]
        strict = [self._all(terms, fields) for terms in query.alternatives]
        if not strict:
            return None
        either = tantivy.Query.boolean_query([(tantivy.Occur.Should, q) for q in strict])
        if not loose:
            return either
        clauses = [(tantivy.Occur.Should, tantivy.Query.const_score_query(either, STRICT_SCORE))]
        if query.most_terms:
            most = tantivy.Query.boolean_query(
                [(tantivy.Occur.Should, self._all(terms, fields)) for terms in query.most_terms]
            )
            clauses.append(
                (tantivy.Occur.Should, tantivy.Query.const_score_query(most, MOST_SCORE))
            )
        clauses += [(tantivy.Occur.Should, self._term(t, fields)) for t in query.loose_terms]
        return tantivy.Query.boolean_query(clauses)

    def full_query(self, query: SearchQuery, loose: bool = False) -> tantivy.Query:
        clauses = []
        text = self.text_query(query, loose)
        if text is not None:
            clauses.append((tantivy.Occur.Must, text))
        elif query.text.strip():
            return tantivy.Query.empty_query()
        for name, values in query.filters.items():
            if values and name != "year":
                field = FACET_FIELDS.get(name, name)
                clauses.append((tantivy.Occur.Must, self._terms(values, field)))
        years = [int(v) for v in query.filters.get("year", []) if str(v).isdigit()]
        if years:
            clauses.append((tantivy.Occur.Must, self._terms(years, "year")))
        if query.year_from is not None or query.year_to is not None:
            clauses.append((tantivy.Occur.Must, self._year_range(query)))
        hidden = self.hidden_query(query.visibility)
        if hidden is not None:
            clauses.append((tantivy.Occur.MustNot, hidden))
        if not any(occur == tantivy.Occur.Must for occur, _ in clauses):
            clauses.append((tantivy.Occur.Must, tantivy.Query.all_query()))
        return tantivy.Query.boolean_query(clauses)

    def _year_range(self, query: SearchQuery) -> tantivy.Query:
        return tantivy.Query.range_query(
            self.schema,
            "year",
            tantivy.FieldType.Integer,
            query.year_from if query.year_from is not None else -10_000,
            query.year_to if query.year_to is not None else 10_000,
        )

    def search(self, query: SearchQuery) -> RawResults:
        searcher = self.index_.searcher()
        full = self.full_query(query)
        strict_total = None
        if query.terms and query.sort == "relevance":
            strict = self._count(searcher, full)
            if strict < FEW:
                strict_total, full = strict, self.full_query(query, loose=True)
        kwargs = {"limit": query.page_size, "offset": query.offset, "count": True}
        if query.sort in ("year", "-year"):
            kwargs["order_by_field"] = "year"
            kwargs["order"] = tantivy.Order.Asc if query.sort == "year" else tantivy.Order.Desc
        elif query.sort == "title":
            kwargs.update(order_by_field="sort_title", order=tantivy.Order.Asc)
        found = searcher.search(full, **kwargs)
        addresses = [address for _key, address in found.hits]
        ids = searcher.fast_field_values("id", addresses) if addresses else []
        facets = self._facets(searcher, full) if query.facets else {}
        return RawResults(
            ids=list(ids), total=found.count, facets=facets, strict_total=strict_total
        )

    def _count(self, searcher, query: tantivy.Query) -> int:
        return searcher.search(query, limit=1, count=True).count

    def _facets(self, searcher, full) -> dict[str, list[tuple[str, int]]]:
        spec = {
            name: {"terms": {"field": FACET_FIELDS.get(name, name), "size": 12}} for name in FACETS
        }
        raw = searcher.aggregate(full, spec)
        facets = {}
        for name in FACETS:
            buckets = raw.get(name, {}).get("buckets", [])
            facets[name] = [
                (_bucket_key(b["key"]), int(b["doc_count"])) for b in buckets if b["key"] != ""
            ]
        return facets

    def suggest(self, prefix: str, visibility: Visibility, limit: int = 10) -> list[str]:
        from shuxiang.catalog.normalize import fold

        folded = fold(prefix.strip())
        if not folded:
            return []
        searcher = self.index_.searcher()
        filter_query = self.visibility_query(visibility)
        terms = searcher.terms_with_prefix("suggest", folded, filter_query, limit)
        return [term for term, _count in terms]


def _bucket_key(key) -> str:
    if isinstance(key, float) and key.is_integer():
        return str(int(key))
    return str(key)
