# ruff: noqa: E501  (SQL reads better unwrapped)
"""Peers for bench/search_scale.py, on the same stored corpus and query mix.

``PlainPostgres`` is PostgreSQL full-text search done the straightforward way (the server-mode
backend before issue #21): every match ranked with ts_rank, counted exactly, and facets
grouped over every match. ``documents`` rebuilds the analyzed documents from the stored
search text (no second analysis), so tantivy and SQLite FTS5 index exactly the same tokens.
"""

from __future__ import annotations

from pathlib import Path

VECTOR = "r.search_vector"


class PlainPostgres:
    def search(self, item: dict) -> tuple[list[int], int, dict]:
        from django.db import connection

        from shuxiang.catalog.search.analysis import query_tokens

        terms = query_tokens(item["q"])
        where, params = ["NOT r.deleted", "r.search_text <> ''", "r.access_policy = 'public'"], []
        rank, rank_params = "0", []
        if terms:
            tsquery = " & ".join(f"'{t}'" for t in terms)
            where.append(f"{VECTOR} @@ to_tsquery('simple', %s)")
            params.append(tsquery)
            rank, rank_params = f"ts_rank({VECTOR}, to_tsquery('simple', %s))", [tsquery]
        for name, values in item.get("filters", {}).items():
            where.append(f"r.{name} = ANY(%s)")
            params.append(values)
        by_year = item.get("sort") == "-year"
        order = "r.year DESC NULLS LAST, r.id" if by_year else f"{rank} DESC, r.id"
        if not terms and not by_year:
            order = "r.id"
        matches = f"FROM catalog_record r WHERE {' AND '.join(where)}"
        with connection.cursor() as cursor:
            order_params = [] if by_year else rank_params
            cursor.execute(
                f"SELECT r.id {matches} ORDER BY {order} LIMIT 20", params + order_params
            )
            ids = [row[0] for row in cursor.fetchall()]
            cursor.execute(f"SELECT count(*) {matches}", params)
            total = cursor.fetchone()[0]
            cursor.execute(
                f"SELECT r.type, r.library_id, r.language, r.year, r.collection, count(*) {matches} "
                "GROUP BY GROUPING SETS ((r.type), (r.library_id), (r.language), (r.year), (r.collection))",
                params,
            )
            facets = cursor.fetchall()
            cursor.execute(
                f"SELECT s, count(*) FROM catalog_record r, jsonb_array_elements_text(r.subjects) s "
                f"WHERE {' AND '.join(where)} GROUP BY s ORDER BY 2 DESC LIMIT 12",
                params,
            )
            facets += cursor.fetchall()
        return ids, total, facets


def documents(batch: int = 20_000):
    """The analyzed documents of every indexed record, read back from ``search_text``."""
    from shuxiang.catalog.models import Record

    columns = (
        "id",
        "search_text",
        "library__code",
        "library__path",
        "type",
        "language",
        "subjects",
        "collection",
        "year",
        "access_policy",
        "title_folded",
        "work_id",
    )
    last = 0
    while True:
        rows = list(
            Record.objects.filter(id__gt=last)
            .exclude(search_text="")
            .order_by("id")
            .values_list(*columns)[:batch]
        )
        if not rows:
            return
        for rid, text, code, path, typ, lang, subjects, coll, year, access, folded, work in rows:
            title, creator, subject, body = (text.split("|", 3) + ["", "", "", ""])[:4]
            yield {
                "id": rid, "title": title, "creator": creator, "subject": subject, "body": body,
                "type": typ, "library": code or "", "ancestors": [c for c in (path or "").split("/") if c],
                "language": lang, "subjects": subjects[:20], "collection": coll, "year": year,
                "access": access, "sort_title": folded, "work": work,
            }  # fmt: skip
        last = rows[-1][0]


def built(marker: Path, build) -> float | None:
    """Run ``build()`` (returns a rate) unless ``marker`` says it was done; then mark it."""
    if marker.exists():
        return None
    rate = build()
    marker.write_text(f"{rate}\n")
    return rate
