"""Server-mode search on a Groonga server shared by every web machine (issue #21).

Groonga indexes the same analyzed documents as the other backends (``document_of``) and
answers each search with one ``select``: the ranked window, the number of matches and the
facets, counted over EVERY match with ``drilldowns`` (Groonga's own query cache is bypassed).
Totals are honest as on PostgreSQL: exact up to ``COUNT_LIMIT`` matches, "10,000+" above;
the number of distinct works is counted only below that limit (``works_inline``: in the same
select over at most ``COUNT_LIMIT`` + 1 matches, or in a second select), so a broad query does
not group its hundreds of thousands of matches by work.
The looser tier (a strict query finding fewer than ``FEW`` records) takes three more selects:
every loose match (count, facets), the "most words" tier and the rest.

On PostgreSQL (server mode) the answer to a query with more than ``KEEP_FROM`` matches is
also kept in the shared summaries of the current index generation (``summaries.py``, as the
PostgreSQL backend does): a repeated broad query is read back with two key lookups, and every
change to the Groonga index makes the kept answers stale at once.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable

from django.db import connection

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
from shuxiang.catalog.search.groonga_client import (
    COMBO_COLUMNS,
    NO_TITLE,
    NO_YEAR_HIGH,
    NO_YEAR_LOW,
    TABLE,
    Client,
    group_of,
    literal,
)
from shuxiang.catalog.search.groonga_query import (
    FACET_SIZE,
    WORKS,
    any_of,
    drilldowns,
    facets_of,
    filter_of,
    match_columns,
    sort_keys,
    visibility_of,
    works_inline,
)

LOAD_BATCH = 2000
KEEP_FROM = 1_000  # a query with more matches keeps its answer for the index generation


class GroongaBackend(SearchBackend):
    """Full-text search with exact facets on every call, in a server shared by the nodes."""

    name = "groonga"

    def __init__(self, url: str | None = None):
        self.client = Client(url)

    # writing -------------------------------------------------------------------------
    def index(self, records: list) -> None:
        self.bulk(records)

    def bulk(self, records: Iterable) -> int:
        return self.bulk_documents(_with_work(record) for record in records)

    def bulk_documents(self, documents: Iterable[dict]) -> int:
        """Load analyzed documents (``document_of`` output, plus ``work``), in batches."""
        self.client.ensure_schema()
        batch, count = [], 0
        for doc in documents:
            batch.append(row_of(doc))
            if len(batch) >= LOAD_BATCH:
                count += self._load(batch)
                batch = []
        count += self._load(batch)
        _changed()
        return count

    def _load(self, rows: list[dict]) -> int:
        combos = {row["combo"]: combo_of(row) for row in rows}
        groups = {combo["group"]: group_of(combo) for combo in combos.values()}
        self.client.load(list(groups.values()), "Groups")  # each before what names it
        self.client.load(list(combos.values()), "Combos")
        return self.client.load(rows)

    def remove(self, record_ids: list[int]) -> None:
        self.client.ensure_schema()
        ids = list(record_ids)
        for start in range(0, len(ids), 1000):
            keys = ", ".join(str(int(i)) for i in ids[start : start + 1000])
            self.client.command("delete", table=TABLE, filter=f"in_values(_key, {keys})")
        _changed()

    def clear(self) -> None:
        self.client.ensure_schema()
        self.client.command("truncate", target_name=TABLE)
        _changed()

    # reading -------------------------------------------------------------------------
    def search(self, query: SearchQuery) -> RawResults:
        """The answer kept for this query under the current index generation, or a new one
        (kept when it has more than ``KEEP_FROM`` matches)."""
        key = summary_key(query)
        if key is None:
            return self._search(query)
        current, kept = summaries.current(key)
        if kept is not None:
            facets = {
                name: [tuple(pair) for pair in pairs] for name, pairs in kept["facets"].items()
            }
            return RawResults(**{**kept, "facets": facets})
        results = self._search(query)
        if results.total > KEEP_FROM:
            summaries.store(key, current, dataclasses.asdict(results))
        return results

    def _search(self, query: SearchQuery) -> RawResults:
        self.client.ensure_schema()
        empty = {name: [] for name in FACETS} if query.facets else {}
        if query.text.strip() and not query.terms:
            return RawResults(ids=[], total=0, facets=empty, works=0)
        end = query.offset + query.page_size
        columns = literal(match_columns(query.field))
        filters, hidden = filter_of(query), visibility_of(query.visibility)

        def matches(text: str) -> str:
            return f"query({columns}, {literal(text)})"

        def select(text: list[str], limit: int, facets: bool = False, excluded=()) -> dict:
            hiding = [hidden] if hidden else []
            conditions, excluded = [*text, *filters], [*hiding, *excluded]
            inline = facets and works_inline(query)
            found = self._select(query, conditions, excluded, limit, facets, works=inline)
            if not facets or found["n_hits"] > COUNT_LIMIT:
                return found  # "10,000+": the works are not counted
            if not inline and found["n_hits"] <= limit:
                return found  # every match is in the window: grouped by the search service
            counted = found
            if not inline:  # one word with few enough matches: found again, grouped by work
                counted = self._select(query, conditions, excluded, 0, False, works=True)
            found["works"] = counted["drilldowns"]["works"]["n_hits"]
            return found

        strict = any_of(query.alternatives)
        found = select([matches(strict)] if strict else [], end, query.facets)
        total = found["n_hits"]
        if not (strict and query.sort == "relevance" and total < FEW):
            return self._results(found, _keys(found)[query.offset :], query)
        # the looser tier: strict matches first, then records with most words, then any word
        strict_ids = _keys(found)
        if len(strict_ids) < total:  # a window smaller than the strict tier
            strict_ids = _keys(select([matches(strict)], FEW))
        loose = matches(" OR ".join([*(literal(t) for t in query.loose_terms), strict]))
        everything = select([loose], 0, query.facets)
        tiers, excluded = [strict_ids], [matches(strict)]
        wanted = end - len(strict_ids)
        if query.most_terms and wanted > 0:  # scored by the loose words and the most words
            most = matches(any_of(query.most_terms))
            found = select([loose, most], wanted, excluded=excluded)
            tiers.append(_keys(found))
            excluded.append(most)
            wanted = 0 if found["n_hits"] > len(tiers[-1]) else wanted - len(tiers[-1])
        if wanted > 0:
            tiers.append(_keys(select([loose], wanted, excluded=excluded)))
        ids = [i for tier in tiers for i in tier][query.offset : end]
        return self._results(everything, ids, query, strict_total=total)

    def _select(
        self,
        query: SearchQuery,
        conditions: list[str],
        excluded: list[str],
        limit: int,
        facets: bool,
        works: bool,
    ) -> dict:
        """One select: records meeting every condition but none of ``excluded`` (restricted
        records are few: subtracting them is cheaper than requiring the visible ones)."""
        expression = " && ".join(f"({c})" for c in conditions)
        if excluded:
            expression = (expression or "all_records()") + "".join(f" &! ({c})" for c in excluded)
        params = {"filter": expression} if expression else {}
        if limit:
            params["sort_keys"] = sort_keys(query)
        if facets:
            params.update(drilldowns(FACET_SIZE))
        if works:
            params.update(WORKS)
        return self.client.command(
            "select",
            table=TABLE,
            output_columns="_key",
            limit=limit,
            offset=0,
            command_version=3,
            cache="no",  # every call counts over the index as it is: nothing kept to go stale
            match_escalation_threshold=-1,  # no partial matching when a term finds nothing
            **params,
        )

    def _results(self, found: dict, ids: list[int], query: SearchQuery, strict_total=None):
        """Exact facets; the number of matches and of works exact up to ``COUNT_LIMIT``."""
        facets = facets_of(found.get("drilldowns") or {}) if query.facets else {}
        capped = found["n_hits"] > COUNT_LIMIT
        return RawResults(
            ids=ids[: query.page_size],
            total=min(found["n_hits"], COUNT_LIMIT),
            facets=facets,
            strict_total=strict_total,
            total_exact=not capped,
            facets_exact=query.facets,
            works=found.get("works"),
        )

    def suggest(self, prefix: str, visibility: Visibility, limit: int = 10) -> list[str]:
        folded = fold(prefix.strip())[:80]
        if not folded:
            return []
        self.client.ensure_schema()
        hidden = visibility_of(visibility)
        found = self.client.command(
            "select",
            table=TABLE,
            filter=f"suggest @^ {literal(folded)}" + (f" &! ({hidden})" if hidden else ""),
            limit=0,
            command_version=3,
            cache="no",
            **{
                "drilldowns[titles].keys": "suggest",
                "drilldowns[titles].sort_keys": "-_nsubrecs,_key",
                "drilldowns[titles].output_columns": "_key",
                "drilldowns[titles].limit": limit,
            },
        )
        return [row[0] for row in found["drilldowns"]["titles"]["records"]]


def summary_key(query: SearchQuery) -> str | None:
    """The key of a query's kept answer; None when nothing is kept (no PostgreSQL summary
    table, or staff scopes, which follow the library tree rather than the index)."""
    vis = query.visibility
    if vis.staff_scopes or connection.vendor != "postgresql" or not summaries.available():
        return None
    filters = sorted((name, sorted(values)) for name, values in query.filters.items())
    asked = [
        "groonga", query.text, query.field, filters, query.year_from, query.year_to,
        query.sort, query.offset, query.page_size, query.facets,
        vis.everything, vis.authenticated, vis.home_library,
    ]  # fmt: skip
    return summaries.key_of(json.dumps(asked, ensure_ascii=False), [])


def _changed() -> None:
    if connection.vendor == "postgresql" and summaries.available():
        summaries.changed_now()


def _with_work(record) -> dict:
    return {**document_of(record), "work": record.work_id}


def row_of(doc: dict) -> dict:
    """A document as a row of the records table."""
    year = doc["year"]
    title = doc["sort_title"] or ""
    values = {name: doc[name] or "" for name in ("type", "library", "language", "collection")}
    combo = [*values.values(), NO_YEAR_LOW if year is None else year]
    return {
        "_key": doc["id"],
        **{name: doc[name] for name in ("title", "creator", "subject", "body")},
        **values,
        "access": doc["access"],
        "subjects": list(doc["subjects"]),
        "ancestors": list(doc["ancestors"]),
        "year": NO_YEAR_LOW if year is None else year,
        "year_up": NO_YEAR_HIGH if year is None else year,
        "work": work_key(doc.get("work"), doc["id"]),
        "sort_title": title or NO_TITLE,
        "suggest": title[:80],
        "combo": "\t".join(str(value) for value in combo),
    }


def work_key(work_id: int | None, record_id: int) -> int:
    """What the works are counted by: the work, or the record alone (a UInt32 groups about
    twice as fast as an Int64: even numbers are works, odd ones records without a work)."""
    return 2 * work_id if work_id else 2 * record_id + 1


def combo_of(row: dict) -> dict:
    """The ``Combos`` row of a record row: its scalar facet values and their group."""
    combo = {"_key": row["combo"], **{name: row[name] for name in COMBO_COLUMNS}}
    return {**combo, "group": group_of(combo)["_key"]}


def _keys(found: dict) -> list[int]:
    return [row[0] for row in found["records"]]
