"""The search service: what the page, the API and the CLI call (actor explicit)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from shuxiang.catalog.models import Record
from shuxiang.catalog.search.base import (
    FACETS,
    FIELDS,
    SORTS,
    SearchQuery,
    Visibility,
    get_backend,
)
from shuxiang.catalog.search.highlight import highlight
from shuxiang.core import pagecache
from shuxiang.core.errors import FieldError, ValidationFailed
from shuxiang.network import scopes

MAX_PAGE_SIZE = 100
MAX_PAGE = 500
MAX_YEAR = 9999
# What a hit shows (page, API, reader links, access check): loading only these keeps the
# per-hit cost small (no payloads, datestamps or whole library and source rows).
HIT_FIELDS = (
    "id", "title", "creators", "subjects", "description", "publisher", "date", "year",
    "language", "type", "collection", "isbn", "access_policy", "local_id", "deleted",
    "work_id", "library_id", "source_id", "holding_node", "holding_url",
    "library__code", "library__name", "library__name_en", "library__path",
    "source__key", "source__kind", "source__name",
)  # fmt: skip


def _hit_records():
    return Record.objects.select_related("library", "source").only(*HIT_FIELDS)


@dataclass
class Hit:
    record: Record
    title: str
    snippet: str
    holdings: list[Record] = field(default_factory=list)


@dataclass
class SearchPage:
    query: SearchQuery
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]

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


def search(*, actor: object, q: str = "", **options) -> SearchPage:
    """Search the warehouse as ``actor``: one page of hits with highlights, holdings, facets."""
    query = build_query(actor=actor, q=q, **options)
    raw = get_backend().search(query)
    records = _hit_records().in_bulk(raw.ids)
    terms = query.terms
    hits, seen_works = [], {}
    for record_id in raw.ids:
        record = records.get(record_id)
        if record is None or record.deleted:
            continue
        if record.work_id and record.work_id in seen_works:
            seen_works[record.work_id].holdings.append(record)
            continue
        hit = Hit(
            record,
            highlight(record.title, terms),
            highlight(record.description, terms, snippet=True),
        )
        hit.holdings.append(record)
        if record.work_id:
            seen_works[record.work_id] = hit
        hits.append(hit)
    _add_holdings(seen_works, query.visibility)
    return SearchPage(query=query, total=raw.total, hits=hits, facets=raw.facets)


def _add_holdings(by_work: dict[int, Hit], visibility: Visibility) -> None:
    """Attach every visible record of each hit's work (its holdings in other sources)."""
    from shuxiang.catalog.permissions import may_see

    if not by_work:
        return
    others = _hit_records().filter(work_id__in=by_work, deleted=False)
    for other in others.order_by("id")[:1000]:
        hit = by_work[other.work_id]
        if other not in hit.holdings and may_see(other, visibility):
            hit.holdings.append(other)


def suggest(*, actor: object, prefix: str, limit: int = 10) -> list[str]:
    """Title completions for ``prefix`` among the records ``actor`` may see."""
    limit = min(max(limit, 1), 20)
    return get_backend().suggest(prefix[:100], visibility_for(actor), limit)


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
