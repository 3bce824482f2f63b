"""The search service: what the page, the API and the CLI call (actor explicit)."""

from __future__ import annotations

import dataclasses
import re
import time
from dataclasses import dataclass, field

from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from shuxiang.catalog.models import Record
from shuxiang.catalog.search.base import (
    FACETS,
    FIELDS,
    SORTS,
    RawResults,
    SearchQuery,
    Visibility,
    get_backend,
)
from shuxiang.catalog.search.highlight import highlight, pinyin_terms
from shuxiang.core import pagecache
from shuxiang.core.errors import FieldError, ValidationFailed
from shuxiang.network import scopes

MAX_PAGE_SIZE = 100
MAX_HOLDINGS = 1000  # other holdings loaded for one page of hits
MAX_PAGE = 500
MAX_YEAR = 9999
# What a hit shows (page, API, reader links, access check): loading only these keeps the
# per-hit cost small (no payloads, datestamps or whole library and source rows). Libraries and
# sources are loaded once each, not joined to every record: a page of twenty hits from two
# sources builds two source objects, not forty.
HIT_FIELDS = (
    "id", "title", "creators", "subjects", "description", "publisher", "date", "year",
    "language", "type", "collection", "isbn", "access_policy", "local_id", "deleted",
    "work_id", "library_id", "source_id", "holding_node", "holding_url",
)  # fmt: skip
LIBRARY_FIELDS = ("id", "code", "name", "name_en", "path")
SOURCE_FIELDS = ("id", "key", "kind", "name")


def _hit_records():
    return Record.objects.only(*HIT_FIELDS)


def _attach_owners(records: list[Record]) -> None:
    """Set each record's library and source (shared instances, remembered briefly)."""
    from shuxiang.catalog.models import Source
    from shuxiang.network.models import Library

    libraries = _owners(Library, LIBRARY_FIELDS, {r.library_id for r in records if r.library_id})
    sources = _owners(Source, SOURCE_FIELDS, {r.source_id for r in records if r.source_id})
    library_field, source_field = Record.library.field, Record.source.field
    for record in records:
        library_field.set_cached_value(record, libraries.get(record.library_id))
        source_field.set_cached_value(record, sources.get(record.source_id))


_remembered_owners: dict[tuple[type, int], tuple[float, int, object]] = {}
OWNER_SECONDS = 30


def _owners(model: type, fields: tuple[str, ...], ids: set[int]) -> dict[int, object]:
    """``model`` rows by id, read from the database only when not remembered in this process
    (for ``OWNER_SECONDS``, and only while the page generation is unchanged: a library's name
    or status changing bumps it). Hits of a page come from a handful of libraries and sources."""
    now, generation = time.monotonic(), pagecache.generation()
    found, missing = {}, set()
    for pk in ids:
        kept = _remembered_owners.get((model, pk))
        if kept is not None and kept[0] > now and kept[1] == generation:
            found[pk] = kept[2]
        else:
            missing.add(pk)
    if missing:
        for pk, row in model.objects.only(*fields).in_bulk(missing).items():
            _remembered_owners[(model, pk)] = (now + OWNER_SECONDS, generation, row)
            found[pk] = row
        if len(_remembered_owners) > 10_000:
            _remembered_owners.clear()
    return found


@dataclass
class Hit:
    record: Record
    title: str
    snippet: str
    holdings: list[Record] = field(default_factory=list)
    looser: bool = False  # found by the looser tier (not every query word matches)
    creators: SafeString = SafeString("")  # HTML: creators, query terms and pinyin hits marked


@dataclass
class SearchPage:
    query: SearchQuery
    total: int  # works (a hit is a work with its holdings), not records
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    # "eq" exact; "gte" more records matched than were counted (10,000+); "lte" more records
    # matched than were grouped into works, so ``total`` (works) is an upper bound
    total_relation: str = "eq"
    facets_exact: bool = True  # False: facet counts come from the first 10,000 matches
    strict_total: int | None = None  # hits after this many works are looser matches

    @property
    def total_exact(self) -> bool:
        return self.total_relation == "eq"

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.query.page_size))


def visibility_for(actor: object) -> Visibility:
    """What ``actor`` may see: system and superusers everything; others by role and library."""
    if scopes.unrestricted(actor):
        return Visibility(everything=True)
    if actor is None or not getattr(actor, "is_authenticated", False):
        return Visibility()
    home = getattr(actor, "home_library", None)
    administered = tuple(library.code for library in scopes.libraries(actor))
    return Visibility(
        authenticated=True, home_library=home.code if home else "", staff_scopes=administered
    )


def build_query(*, actor: object, q: str = "", **options) -> SearchQuery:
    """Validate search options into a query; bad values name their field."""
    errors = []
    field_name = options.get("field") or "any"
    sort = options.get("sort") or "relevance"
    page = int(options.get("page") or 1)
    page_size = int(options.get("page_size") or 20)
    if field_name not in FIELDS:
        errors.append(FieldError("field", _("Search one of: %s.") % ", ".join(FIELDS), "choice"))
    if sort not in SORTS:
        errors.append(FieldError("sort", _("Sort by one of: %s.") % ", ".join(SORTS), "choice"))
    if not 1 <= page <= MAX_PAGE:
        errors.append(FieldError("page", _("Pages run from 1 to %d.") % MAX_PAGE, "range"))
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        errors.append(FieldError("page_size", _("Page size runs from 1 to %d.") % MAX_PAGE_SIZE))
    filters = {k: [str(v) for v in vs if v] for k, vs in (options.get("filters") or {}).items()}
    for name in ("year_from", "year_to"):
        if options.get(name) is not None and not -MAX_YEAR <= options[name] <= MAX_YEAR:
            errors.append(FieldError(name, _("Years run from -9999 to 9999."), "out_of_range"))
    if any(not re.fullmatch(r"[0-9]{1,4}", year) for year in filters.get("year", [])):
        errors.append(FieldError("year", _("A year is written with up to four digits 0-9.")))
    unknown = sorted(set(filters) - set(FACETS))
    if unknown:
        errors.append(FieldError(unknown[0], _("Filter by one of: %s.") % ", ".join(FACETS)))
    if errors:
        raise ValidationFailed(_("The search cannot run."), errors)
    return SearchQuery(
        text=q[:500],
        field=field_name,
        filters=filters,
        year_from=options.get("year_from"),
        year_to=options.get("year_to"),
        sort=sort,
        page=page,
        page_size=page_size,
        visibility=visibility_for(actor),
        facets=options.get("facets", True),
    )


WINDOW = 200  # record ids ranked per search before grouping them into works
MAX_WINDOW = 20_000


def ranked_works(query: SearchQuery) -> tuple[list[list[int]], RawResults, bool]:
    """Works matching ``query`` in rank order (each a list of its matching record ids, best
    first), grouped BEFORE paging so pages are full and no work repeats on the next page;
    widens the ranked window until it holds the page's works or every match. Returns the
    groups, the backend's raw results (facets, record total) and whether every match was
    grouped (then the number of groups is the exact number of works)."""
    want = query.page * query.page_size
    window = min(max(WINDOW, want * 2), MAX_WINDOW)
    while True:
        raw = get_backend().search(
            dataclasses.replace(query, page=1, page_size=window, facets=query.facets)
        )
        groups = _group_by_work(raw.ids)
        complete = raw.total_exact and len(raw.ids) >= raw.total
        if complete or len(groups) >= want or window >= MAX_WINDOW:
            return groups, raw, complete
        window = min(window * 4, MAX_WINDOW)


def _group_by_work(ids: list[int]) -> list[list[int]]:
    work_of = dict(Record.objects.filter(pk__in=ids).values_list("id", "work_id"))
    groups: dict[int, list[int]] = {}
    for record_id in ids:
        work = work_of.get(record_id)
        key = work if work is not None else -record_id
        groups.setdefault(key, []).append(record_id)
    return list(groups.values())


def search(*, actor: object, q: str = "", **options) -> SearchPage:
    """Search the warehouse as ``actor``: one page of works with highlights, holdings, facets."""
    query = build_query(actor=actor, q=q, **options)
    groups, raw, complete = ranked_works(query)
    page_groups = groups[query.offset : query.offset + query.page_size]
    strict_works = _works_before(groups, raw.strict_total)
    ids = [i for group in page_groups for i in group]
    records, others = _page_records(ids)
    terms = query.terms
    marked = [*terms, *(t for alternative in query.alternatives for t in alternative)]
    hits, by_work = [], {}
    for position, group in enumerate(page_groups, start=query.offset):
        found = [records[i] for i in group if i in records and not records[i].deleted]
        if not found:
            continue
        record = found[0]
        hit = Hit(
            record,
            highlight(record.title, [*terms, *pinyin_terms(record.title, marked)]),
            highlight(record.description, terms, snippet=True),
            holdings=found,
            looser=strict_works is not None and position >= strict_works,
            creators=_creators_html(record.creators, marked),
        )
        if record.work_id:
            by_work[record.work_id] = hit
        hits.append(hit)
    _add_holdings(by_work, others, query.visibility)
    total = len(groups) if complete else len(groups) + raw.total - sum(map(len, groups))
    relation = "eq" if complete else "lte" if raw.total_exact else "gte"
    if raw.works is not None and not complete:
        total, relation = raw.works, "eq"
    return SearchPage(
        query=query,
        total=total,
        hits=hits,
        facets=raw.facets,
        total_relation=relation,
        facets_exact=raw.facets_exact,
        strict_total=strict_works,
    )


def _creators_html(creators: list[str], terms: list[str]) -> SafeString:
    marked = (highlight(name, [*terms, *pinyin_terms(name, terms)]) for name in creators)
    return mark_safe("、".join(marked))  # noqa: S308 - each name escaped by highlight


def _works_before(groups: list[list[int]], strict_records: int | None) -> int | None:
    """How many works hold the first ``strict_records`` ranked records (the strict tier)."""
    if strict_records is None:
        return None
    seen = 0
    for n, group in enumerate(groups):
        if seen >= strict_records:
            return n
        seen += len(group)
    return len(groups)


def _page_records(ids: list[int]) -> tuple[dict[int, Record], list[Record]]:
    """The hits' records by id, and the other live records of their works (holdings in other
    sources, in id order), each with its library and source. Two queries by index (one
    ``id IN … OR work_id IN (subquery)`` made PostgreSQL scan the table at 300,000 records)."""
    if not ids:
        return {}, []
    records = {r.pk: r for r in _hit_records().filter(pk__in=ids)}
    works = {r.work_id for r in records.values() if r.work_id}
    others = list(
        _hit_records()
        .filter(work_id__in=works, deleted=False)
        .exclude(pk__in=ids)
        .order_by("id")[:MAX_HOLDINGS]
        if works
        else []
    )
    _attach_owners([*records.values(), *others])
    return records, others


def _add_holdings(by_work: dict[int, Hit], others: list[Record], visibility: Visibility) -> None:
    """Attach every visible record of each hit's work (its holdings in other sources)."""
    from shuxiang.catalog.permissions import may_see

    for other in others:
        hit = by_work.get(other.work_id)
        if hit is not None and other not in hit.holdings and may_see(other, visibility):
            hit.holdings.append(other)


def suggest(*, actor: object, prefix: str, limit: int = 10) -> list[str]:
    """Title completions for ``prefix`` among the records ``actor`` may see."""
    limit = min(max(limit, 1), 20)
    return get_backend().suggest(prefix[:100], visibility_for(actor), limit)


def warm() -> None:
    """Open the search engine and load its analyzers (jieba's dictionary, script conversion,
    pinyin) and the search page's templates in this process, before a reader waits for them."""
    from django.template.loader import get_template

    get_backend().search(build_query(actor=None, q="图书馆 library 月"))
    highlight("圖書館", ["图书馆"])
    get_template("catalog/search.html")


def reindex(*, progress: bool = False, batch: int = 5000) -> int:
    """Rebuild the whole index from the database; returns the number of records indexed."""
    from tqdm import tqdm

    backend = get_backend()
    backend.clear()
    live = Record.objects.filter(deleted=False).select_related("library").order_by("id")
    total = live.count()
    stream = live.iterator(chunk_size=batch)
    if progress:
        stream = tqdm(stream, total=total, unit="rec", desc="reindex")
    indexed = backend.bulk(stream)
    pagecache.changed()
    return indexed
