"""JSON API of the catalog: search, suggestions, records, sources and harvests (thin)."""

from __future__ import annotations

from django.http import JsonResponse
from ninja import Field, Query, Router, Schema, Status

from shuxiang.catalog import sources, tasks, usage
from shuxiang.catalog.models import Record, Source
from shuxiang.catalog.oai.provider import oai_identifier
from shuxiang.catalog.permissions import may_see, require_source_manager
from shuxiang.catalog.schemas import HarvestOut, SearchOut, SourceIn, SourceOut
from shuxiang.catalog.schemas import RecordOut as RecordSchema
from shuxiang.catalog.search import service
from shuxiang.core.api import AUTH, ErrorOut, actor_of
from shuxiang.core.errors import NotFound

router = Router(tags=["catalog"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class SearchParams(Schema):
    q: str = ""
    field: str = "any"
    sort: str = "relevance"
    page: int = Field(1, ge=1, le=service.MAX_PAGE)
    page_size: int = Field(20, ge=1, le=service.MAX_PAGE_SIZE)
    type: list[str] = []
    library: list[str] = []
    year: list[str] = []
    language: list[str] = []
    subject: list[str] = []
    collection: list[str] = []
    year_from: int | None = Field(None, ge=-service.MAX_YEAR, le=service.MAX_YEAR)
    year_to: int | None = Field(None, ge=-service.MAX_YEAR, le=service.MAX_YEAR)


def record_out(record: Record) -> dict:
    return {
        **{
            name: getattr(record, name)
            for name in (
                "id",
                "title",
                "creators",
                "subjects",
                "description",
                "publisher",
                "date",
                "year",
                "language",
                "type",
                "collection",
                "isbn",
                "access_policy",
            )
        },
        "library": record.library.code if record.library_id else None,
        "source": record.source.key,
        "work": record.work_id,
        "oai_identifier": oai_identifier(record),
        "holding_node": record.holding_node,
        "holding_url": record.holding_url,
    }


@router.get("/search", response={200: SearchOut, **ERRORS}, summary="Search the warehouse")
def search(request, params: Query[SearchParams]):
    facets = {
        n: getattr(params, n)
        for n in ("type", "library", "year", "language", "subject", "collection")
    }
    page = service.search(
        actor=actor_of(request),
        q=params.q,
        field=params.field,
        sort=params.sort,
        page=params.page,
        page_size=params.page_size,
        filters=facets,
        year_from=params.year_from,
        year_to=params.year_to,
    )
    usage.record_search(request, params.q, page.total)
    # Built to the SearchOut shape (a test validates it) and sent as is: re-validating twenty
    # hits with their holdings through the schema took longer than the search itself.
    return JsonResponse(
        {
            "q": params.q,
            "total": page.total,
            "total_exact": page.total_exact,
            "total_relation": page.total_relation,
            "facets_exact": page.facets_exact,
            "strict_total": page.strict_total,
            "page": page.query.page,
            "page_size": page.query.page_size,
            "pages": page.pages,
            "hits": [
                {
                    "record": record_out(h.record),
                    "title_html": str(h.title),
                    "snippet_html": str(h.snippet),
                    "creators_html": str(h.creators),
                    "holdings": [record_out(r) for r in h.holdings],
                    "looser": h.looser,
                }
                for h in page.hits
            ],
            "facets": {
                n: [{"value": v, "count": c} for v, c in vs] for n, vs in page.facets.items()
            },
        },
        json_dumps_params={"ensure_ascii": False},
    )


@router.get("/search/suggest", response=list[str], summary="Title completions for a prefix")
def suggest(request, prefix: str, limit: int = 10):
    return service.suggest(actor=actor_of(request), prefix=prefix, limit=limit)


@router.get("/records/{record_id}", response={200: RecordSchema, **ERRORS}, summary="One record")
def record_detail(request, record_id: int):
    record = (
        Record.objects.select_related("library", "source")
        .filter(pk=record_id, deleted=False)
        .first()
    )
    if record is None or not may_see(record, service.visibility_for(actor_of(request))):
        raise NotFound(f"No record has the id {record_id}.")
    return record_out(record)


def source_out(source: Source) -> dict:
    return {
        **{
            n: getattr(source, n)
            for n in (
                "key",
                "name",
                "kind",
                "base_url",
                "metadata_prefix",
                "set_spec",
                "last_datestamp",
                "last_error",
            )
        },
        "library": source.library.code if source.library_id else None,
        "last_harvest_at": source.last_harvest_at.isoformat() if source.last_harvest_at else None,
        "resuming": bool(source.resumption_token),
    }


@router.post(
    "/sources", auth=AUTH, response={201: SourceOut, **ERRORS}, summary="Register a source"
)
def register_source(request, payload: SourceIn):
    return Status(201, source_out(sources.register_source(payload.dict(), by=request.auth)))


@router.get("/sources/{key}", auth=AUTH, response={200: SourceOut, **ERRORS}, summary="One source")
def source_detail(request, key: str):
    source = sources.get_source(key)
    require_source_manager(request.auth, source.library, action="view")
    return source_out(source)


@router.post(
    "/sources/{key}/harvest",
    auth=AUTH,
    response={202: HarvestOut, **ERRORS},
    summary="Queue a harvest of the source now",
)
def harvest(request, key: str):
    source = sources.get_source(key)
    require_source_manager(request.auth, source.library, action="harvest")
    tasks.harvest_source(key)
    return Status(202, {"queued": True, "source": key})
