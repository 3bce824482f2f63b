"""Pages of the linked data: entity pages, the dumps list, VoID and the SPARQL endpoint."""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from shuxiang.core.pagecache import public_page
from shuxiang.linkeddata import dumps, entities
from shuxiang.linkeddata import sparql as sparql_service
from shuxiang.linkeddata.negotiation import FORMATS, HTML, pick

SELECT_TYPES = (
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "text/csv",
    "text/tab-separated-values",
)
BOOLEAN_TYPES = ("application/sparql-results+json", "application/sparql-results+xml")
GRAPH_TYPES = ("text/turtle", "application/n-triples", "application/rdf+xml", "application/ld+json")
SHORT_FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv",
    "tsv": "text/tab-separated-values",
}
ALTERNATES = [f for f in FORMATS if f is not HTML]


def _entity_page(request: HttpRequest, entity, template_kind: str) -> HttpResponse:
    if entity is None or entity.empty:
        raise Http404(_("No public entity at this address."))
    return render(
        request,
        "linkeddata/entity.html",
        {"entity": entity, "kind": template_kind, "alternates": ALTERNATES},
    )


@public_page
def person(request: HttpRequest, key: str) -> HttpResponse:
    return _entity_page(request, entities.person(key), "person")


@public_page
def subject(request: HttpRequest, key: str) -> HttpResponse:
    return _entity_page(request, entities.subject(key), "subject")


@public_page
def place(request: HttpRequest, key: str) -> HttpResponse:
    return _entity_page(request, entities.place(key), "place")


@public_page
def work(request: HttpRequest, key: str) -> HttpResponse:
    valid = key.isascii() and key.isdigit() and len(key) <= 18
    return _entity_page(request, entities.work(int(key)) if valid else None, "work")


def dump_list(request: HttpRequest) -> HttpResponse:
    """The downloadable dumps with their sizes, triple counts and dates."""
    return render(request, "linkeddata/dumps.html", {"dumps": dumps.listed()})


def dump_file(request: HttpRequest, name: str) -> FileResponse:
    if name not in dumps.FILES:
        raise Http404(_("No such dump."))
    path = dumps.folder() / name
    if not path.is_file():
        raise Http404(_("The dumps have not been written yet."))
    handle = open(path, "rb")  # noqa: SIM115 - the response closes it
    response = FileResponse(handle, as_attachment=True, filename=name)
    response["Content-Type"] = "application/gzip"
    return response


def void(request: HttpRequest) -> HttpResponse:
    """The VoID description (Turtle) of the dataset."""
    body = dumps.void_graph(dumps.listed()).serialize(format="turtle", encoding="utf-8")
    return HttpResponse(body, content_type="text/turtle; charset=utf-8")


def _query_of(request: HttpRequest) -> tuple[str | None, list[str]]:
    """The query text and default graphs, per the SPARQL 1.1 Protocol's three operations."""
    if request.method in ("GET", "HEAD"):
        return request.GET.get("query"), request.GET.getlist("default-graph-uri")
    content_type = request.content_type or ""
    if content_type == "application/sparql-query":
        return request.body.decode("utf-8", "replace"), request.GET.getlist("default-graph-uri")
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if "update" in request.POST:
            raise sparql_service.QueryRefused(400, _("update: this endpoint is read-only."))
        return request.POST.get("query"), request.POST.getlist("default-graph-uri")
    raise sparql_service.QueryRefused(
        415, _("Content-Type: use application/sparql-query or a URL-encoded form.")
    )


def _media(request: HttpRequest, choices: tuple[str, ...]) -> str:
    short = request.GET.get("format") or request.POST.get("format")
    if short in SHORT_FORMATS and SHORT_FORMATS[short] in choices:
        return SHORT_FORMATS[short]
    return pick(request.headers.get("Accept", ""), choices) or choices[0]


@csrf_exempt
def sparql(request: HttpRequest) -> HttpResponse:
    """SPARQL 1.1 query endpoint (GET and POST); no query: the query form."""
    if request.method not in ("GET", "POST", "HEAD"):
        return HttpResponse(status=405, headers={"Allow": "GET, POST"})
    try:
        query, default_graphs = _query_of(request)
        if query is None and request.method != "POST":  # the form for people
            return render(request, "linkeddata/sparql.html", {})
        answer = sparql_service.execute(
            query or "",
            select_media=_media(request, SELECT_TYPES),
            boolean_media=_media(request, BOOLEAN_TYPES),
            graph_media=_media(request, GRAPH_TYPES),
            default_graphs=default_graphs,
        )
    except sparql_service.QueryRefused as refusal:
        return HttpResponse(
            refusal.reason + "\n", status=refusal.status, content_type="text/plain; charset=utf-8"
        )
    response = HttpResponse(answer.body, content_type=f"{answer.media_type}; charset=utf-8")
    response["Vary"] = "Accept"
    response["Access-Control-Allow-Origin"] = "*"
    if answer.truncated:
        response["X-SPARQL-Truncated"] = "true"
    return response
