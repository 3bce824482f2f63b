"""Server-mode search: PostgreSQL full-text search over the warehouse table itself.

``Record.search_text`` holds the analyzed tokens of four parts (title | creators | subjects |
everything else) separated by ``|``; PostgreSQL keeps a generated tsvector column weighting
them A–D under a GIN index, so a field search is a weight-restricted tsquery and ranking
favours title matches. Facets come from one GROUPING SETS pass over the matches (up to
10,001; all of them for a broad query), and a query with more than 1,000 matches keeps that
summary and its first ranked window for the current index generation (summaries.py).
"""

from __future__ import annotations

from django.db import connection
from django.db.models import Count, F, Q, QuerySet

from shuxiang.catalog.models import Record
from shuxiang.catalog.normalize import fold
from shuxiang.catalog.search import summaries
from shuxiang.catalog.search.base import (
    COUNT_LIMIT,
    FACETS,
    FEW,
    RawResults,
    SearchBackend,
    SearchQuery,
    Visibility,
    document_of,
)
from shuxiang.network.scopes import in_subtree

VECTOR = "catalog_record.search_vector"  # generated column, see migration 0002
WEIGHTS = {"any": "", "title": ":A", "creator": ":B", "subject": ":C"}
# D (rest), C (subjects), B (creators), A (title); creators count as much as titles so a name
# ranks the person's own works above works naming them (issue #21; was 0.4).
RANK_WEIGHTS = "{0.1, 0.2, 1.0, 1.0}"
FACET_COLUMNS = (
    *("id", "work_id", "type", "library_id", "language", "year", "collection", "subjects"),
)
KEEP_FROM = 1_000  # a query with more matches keeps its summary (see summaries.py)
RUM_WINDOW = 1000  # ids read in RUM rank order before the weighted ranking
STRICT_SCORE = 100  # tiers: strict above "most words" above any ts_rank of the loosest
MOST_SCORE = 10
COLUMNS = {"type": "type", "library": "library__code", "language": "language", "year": "year"}
SORTS = {
    "year": [F("year").asc(nulls_last=True), "id"],
    "-year": [F("year").desc(nulls_last=True), "id"],
    "title": ["title_folded", "id"],
}


class PostgresBackend(SearchBackend):
    """Full-text search in the system of record: no second store to keep in step."""

    name = "postgres"

    def index(self, records: list) -> None:
        self.bulk_documents(document_of(record) for record in records)

    def bulk(self, records) -> int:
        return self.bulk_documents(document_of(record) for record in records)

    def bulk_documents(self, documents) -> int:
        """Store the analyzed text of many documents, 2,000 rows per UPDATE."""
        batch, count = [], 0
        for doc in documents:
            batch.append((doc["id"], search_text_of(doc)))
            if len(batch) >= 2000:
                count += _update(batch)
                batch = []
        return count + _update(batch)

    def remove(self, record_ids: list[int]) -> None:
        Record.objects.filter(pk__in=record_ids).update(search_text="")
        _changed()

    def clear(self) -> None:
        Record.objects.exclude(search_text="").update(search_text="")
        _changed()

    def matching(self, query: SearchQuery, loose: bool = False) -> QuerySet:
        """Matching records: the strict tier, or with ``loose`` any term, strict ones first."""
        qs = Record.objects.filter(deleted=False).exclude(search_text="")
        if query.terms:
            weight = WEIGHTS.get(query.field, "")
            strict = _any_of(query.alternatives, weight)
            if loose:
                words = " | ".join(_lexeme(t, weight) for t in query.loose_terms)
                wanted = f"{words} | {strict}"  # a solid pinyin alternative is no loose word
                most = _any_of(query.most_terms, weight)
                tiers = f"WHEN {VECTOR} @@ to_tsquery('simple', %s) THEN {STRICT_SCORE} "
                if most:
                    tiers += f"WHEN {VECTOR} @@ to_tsquery('simple', %s) THEN {MOST_SCORE} "
                rank = (
                    f"ts_rank('{RANK_WEIGHTS}', {VECTOR}, to_tsquery('simple', %s))"
                    f" + CASE {tiers}ELSE 0 END"
                )
                rank_params = [wanted, strict, *([most] if most else [])]
            else:
                wanted = strict
                rank = f"ts_rank('{RANK_WEIGHTS}', {VECTOR}, to_tsquery('simple', %s))"
                rank_params = [strict]
            qs = qs.extra(
                select={"rank": rank},
                select_params=rank_params,
                where=[f"{VECTOR} @@ to_tsquery('simple', %s)"],
                params=[wanted],
            )
        elif query.text.strip():
            return qs.none()
        for name, values in query.filters.items():
            if not values:
                continue
            if name == "subject":
                qs = qs.filter(_any_subject(values))
            elif name == "collection":
                qs = qs.filter(collection__in=values)
            elif name in COLUMNS:
                qs = qs.filter(**{f"{COLUMNS[name]}__in": values})
        if query.year_from is not None:
            qs = qs.filter(year__gte=query.year_from)
        if query.year_to is not None:
            qs = qs.filter(year__lte=query.year_to)
        return qs.filter(visibility_filter(query.visibility))

    def search(self, query: SearchQuery) -> RawResults:
        qs = self.matching(query)
        shared, kept = _summary(query, qs)
        if kept is not None:  # counted under this index generation
            return self._kept(query, qs, shared, kept)
        facets, total, works = self._counted(query, qs)
        strict_total = None
        if query.terms and query.sort == "relevance" and total < FEW:
            strict_total, qs = total, self.matching(query, loose=True)
            shared, kept = _summary(query, qs)
            if kept is not None:
                return self._kept(query, qs, shared, kept)
            facets, total, works = self._counted(query, qs)
        if shared and query.facets and total > min(KEEP_FROM, COUNT_LIMIT):
            summary = {"facets": facets, "matches": total, "works": works}
            summaries.store(*shared, {**summary, "strict_total": strict_total})
            return self._kept(query, qs, shared, {**summary, "strict_total": strict_total})
        capped = total > COUNT_LIMIT
        return RawResults(
            ids=self._ranked_ids(query, qs, strict_total is not None),
            total=min(total, COUNT_LIMIT),
            facets=facets,
            strict_total=strict_total,
            total_exact=not capped,
            facets_exact=query.facets,
            works=None if capped else works,
        )

    def _counted(self, query: SearchQuery, qs: QuerySet) -> tuple[dict, int, int | None]:
        """Facets, matches and works: one pass over (up to) the first COUNT_LIMIT + 1
        matches; a broad query's facets are then counted over every match."""
        if not query.facets:
            return {}, _count(qs, COUNT_LIMIT + 1), None
        facets, total, works = self._facets(qs, COUNT_LIMIT + 1)
        if total > COUNT_LIMIT:
            return self._facets(qs, None)
        return facets, total, works

    def _kept(self, query: SearchQuery, qs: QuerySet, shared: tuple, summary: dict):
        """Results from a summary: its exact facets and counts, and the query's window of
        ranked ids, itself kept for this index generation."""
        key, current = shared
        window = summaries.key_of(key, [query.sort, query.offset, query.page_size])
        kept = summaries.lookup(window, current)
        strict_total = summary.get("strict_total")
        if kept is None:
            kept = {"ids": self._ranked_ids(query, qs, strict_total is not None)}
            summaries.store(window, current, kept)
        facets = summary["facets"] if query.facets else {}
        capped = summary["matches"] > COUNT_LIMIT
        return RawResults(
            ids=kept["ids"],
            total=min(summary["matches"], COUNT_LIMIT),
            facets={name: [tuple(pair) for pair in pairs] for name, pairs in facets.items()},
            strict_total=strict_total,
            total_exact=not capped,
            facets_exact=query.facets,
            works=None if capped else summary["works"],
        )

    def _ranked_ids(self, query: SearchQuery, qs: QuerySet, loose: bool) -> list[int]:
        """One window of ids in rank order. With the RUM index, the strict tier's window is
        read in RUM's rank order (top-k inside the index, not every match ranked), then
        ordered by the weighted rank; otherwise every match is ranked."""
        end = query.offset + query.page_size
        if query.sort in SORTS:
            ordered = qs.order_by(*SORTS[query.sort])
        elif not query.terms:
            ordered = qs.order_by("id")
        elif loose or not rum_ready():
            ordered = qs.order_by("-rank", "id")
        else:
            return self._rum_window(query, qs, end)[query.offset : end]
        return list(ordered.values_list("id", flat=True)[query.offset : end])

    def _rum_window(self, query: SearchQuery, qs: QuerySet, end: int) -> list[int]:
        strict = _any_of(query.alternatives, WEIGHTS.get(query.field, ""))
        nearest = qs.extra(
            select={"distance": f"{VECTOR} <=> to_tsquery('simple', %s)"},
            select_params=[strict],
        ).order_by("distance")
        rows = list(nearest.values_list("id", "rank")[: max(end, RUM_WINDOW)])
        return [record_id for record_id, _rank in sorted(rows, key=lambda r: (-r[1], r[0]))]

    def _facets(self, qs: QuerySet, limit: int | None) -> tuple[dict, int, int | None]:
        """Facet counts, the number of matches (and of their works) in one pass over the first
        ``limit`` matches, or all (their facet columns read once; the five groupings and the
        subjects counted from that): exact when there are no more matches than ``limit``.
        Works are counted only within a limit (a broad query's total is "10,000+" anyway)."""
        matches = qs.order_by().values(*FACET_COLUMNS)
        matches = matches if limit is None else matches[:limit]
        inner, params = matches.query.sql_with_params()
        works = "NULL" if limit is None else "count(DISTINCT coalesce(work_id, -id))::text"
        sql = (
            f"WITH m AS MATERIALIZED ({inner}), "
            "f AS (SELECT type, library_id, language, year, collection, count(*) AS n FROM m "
            "GROUP BY GROUPING SETS ((type), (library_id), (language), (year), (collection))), "
            "s AS (SELECT x, count(*) AS n FROM m, jsonb_array_elements_text(m.subjects) x "
            "GROUP BY x ORDER BY 2 DESC, 1 LIMIT 12) "
            "SELECT type, library_id, language, year, collection, NULL, n FROM f "
            "UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, x, n FROM s "
            f"UNION ALL SELECT NULL, NULL, NULL, NULL, NULL, {works}, count(*) FROM m"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        last = rows.pop()
        return _buckets(rows), last[6], None if last[5] is None else int(last[5])

    def suggest(self, prefix: str, visibility: Visibility, limit: int = 10) -> list[str]:
        folded = fold(prefix.strip())
        if not folded:
            return []
        rows = (
            Record.objects.filter(deleted=False, title_folded__startswith=folded[:200])
            .filter(visibility_filter(visibility))
            .values("title_folded")
            .annotate(n=Count("id"))
            .order_by("-n", "title_folded")[:limit]
        )
        return [row["title_folded"][:80] for row in rows]


def _buckets(rows: list[tuple]) -> dict[str, list[tuple[str, int]]]:
    """Facet rows (type, library id, language, year, collection, subject, count) as the
    twelve largest values of each facet."""
    buckets: dict[str, list[tuple[str, int]]] = {n: [] for n in FACETS}
    names = ("type", "library", "language", "year", "collection", "subject")
    codes = _library_codes({row[1] for row in rows if row[1] is not None})
    for row in rows:
        values = (row[0], codes.get(row[1]), *row[2:6])
        for name, value in zip(names, values, strict=True):
            if value not in (None, ""):
                buckets[name].append((str(value), row[6]))
    return {n: sorted(v, key=lambda b: (-b[1], b[0]))[:12] for n, v in buckets.items()}


def _summary(query: SearchQuery, qs: QuerySet) -> tuple[tuple[str, int] | None, dict | None]:
    """The summary key of ``qs`` with the current index generation, and the summary kept
    under them, if any; (None, None) for staff scopes (they follow the library tree)."""
    if query.visibility.staff_scopes or not summaries.available():
        return None, None
    inner, params = qs.order_by().values("id").query.sql_with_params()
    key = summaries.key_of(inner, params)
    current, kept = summaries.current(key)
    return (key, current), kept


def _count(qs: QuerySet, limit: int) -> int:
    """Matches of ``qs``, counted up to ``limit`` (the scan stops there)."""
    inner, params = qs.order_by().values("id")[:limit].query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM ({inner}) m", params)
        return cursor.fetchone()[0]


_rum: list[bool] = []


def rum_ready() -> bool:
    """Whether the RUM index exists here (migration 0005 makes it when the extension is
    installed: Debian's postgresql-15-rum)."""
    if not _rum:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'catalog_record_rum'")
            _rum.append(cursor.fetchone() is not None)
    return _rum[0]


def _any_of(conjunctions: list[list[str]], weight: str) -> str:
    """A tsquery matching every term of any one of ``conjunctions``."""
    return " | ".join(
        "(" + " & ".join(_lexeme(t, weight) for t in terms) + ")" for terms in conjunctions
    )


def _lexeme(term: str, weight: str) -> str:
    return "'" + term.replace("'", "''") + "'" + weight


def search_text_of(doc: dict) -> str:
    """The four weighted parts of a document, as stored in ``Record.search_text``."""
    return "|".join(doc[part] for part in ("title", "creator", "subject", "body"))


def _changed() -> None:
    if summaries.available():
        summaries.changed()


def _update(rows: list[tuple[int, str]]) -> int:
    if not rows:
        return 0
    _changed()
    values = ", ".join(["(%s, %s)"] * len(rows))
    params = [item for row in rows for item in row]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE catalog_record AS r SET search_text = v.t FROM (VALUES {values}) AS v(id, t) "
            "WHERE r.id = v.id",
            params,
        )
    return len(rows)


def _any_subject(values: list[str]) -> Q:
    condition = Q(pk__in=[])
    for value in values:
        condition |= Q(subjects__contains=[value])
    return condition


def _library_codes(ids: set[int]) -> dict[int, str]:
    from shuxiang.network.models import Library

    return dict(Library.objects.filter(pk__in=ids).values_list("id", "code")) if ids else {}


def visibility_filter(vis: Visibility) -> Q:
    """The records ``vis`` may see, as a filter on the warehouse table."""
    if vis.everything:
        return Q()
    allowed = ["public", "registered"] if vis.authenticated else ["public"]
    condition = Q(access_policy__in=allowed)
    if vis.home_library:
        condition |= Q(access_policy__in=["library", "network"], library__code=vis.home_library)
    if vis.staff_scopes:
        condition |= in_subtree("library", vis.staff_scopes)
    return condition
