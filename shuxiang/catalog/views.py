"""Pages and endpoints of the catalog: the OAI-PMH provider and the search page."""

from __future__ import annotations

import re
from pathlib import Path

from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.cache import patch_vary_headers
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from shuxiang.catalog import usage
from shuxiang.catalog.oai.provider import Provider
from shuxiang.catalog.search import service
from shuxiang.catalog.search.base import FACETS
from shuxiang.core import fragments
from shuxiang.core.api import actor_of
from shuxiang.core.errors import ValidationFailed
from shuxiang.core.pagecache import public_page

NATIVE_XSD = Path(__file__).parent / "oai" / "shuxiang-record.xsd"
FIELD_CHOICES = [("any", _("Everywhere")), ("title", _("Title")), ("creator", _("Author")),
                 ("subject", _("Subject"))]  # fmt: skip
SORT_CHOICES = [("relevance", _("Relevance")), ("-year", _("Newest")), ("year", _("Oldest")),
                ("title", _("Title"))]  # fmt: skip
FACET_LABELS = {
    "type": _("Type"),
    "library": _("Library"),
    "year": _("Year"),
    "language": _("Language"),
    "subject": _("Subject"),
    "collection": _("Collection"),
}


@csrf_exempt
@require_http_methods(["GET", "POST"])
def oai(request):
    """OAI-PMH 2.0 endpoint (GET or form-encoded POST, as the protocol allows).

    Anonymous requests see what anonymous search sees; ``Authorization: Bearer <token>``
    (staff, partner nodes) widens it to the token holder's search scope.
    """
    actor = actor_of(request)
    if request.headers.get("Authorization") and not getattr(actor, "is_authenticated", False):
        response = HttpResponse("The bearer token is not valid.", status=401)
        response["WWW-Authenticate"] = 'Bearer realm="oai"'
        return response
    data = request.GET if request.method == "GET" else request.POST
    params = {key: data.getlist(key) for key in data}
    base_url = request.build_absolute_uri(request.path).rstrip("/")
    body = Provider(base_url, visibility=service.visibility_for(actor)).respond(params)
    response = HttpResponse(body, content_type="text/xml; charset=utf-8")
    patch_vary_headers(response, ["Authorization", "Cookie"])
    return response


@require_GET
def native_schema(request):
    """The XML schema of the native metadata format."""
    return FileResponse(NATIVE_XSD.open("rb"), content_type="text/xml")


def _options(request) -> dict:
    filters = {name: request.GET.getlist(name) for name in FACETS if request.GET.getlist(name)}
    return {
        "field": request.GET.get("field") or "any",
        "sort": request.GET.get("sort") or "relevance",
        "page": request.GET.get("page") or 1,
        "filters": filters,
    }


TOTAL_MARK = re.compile(r'data-total="([0-9]+)"')


@require_GET
@public_page
def search_page(request):
    """The search page: works without JavaScript; facets are plain links and checkboxes."""
    q = request.GET.get("q", "")
    options = _options(request)
    results, errors = "", []
    try:
        if q.strip() or options["filters"]:
            results = _results(request, q, options)
            usage.record_search(request, q, _total_of(results))
    except (ValidationFailed, ValueError) as error:
        errors = getattr(error, "errors", []) or [str(error)]
    context = {"q": q, "results": results, "errors": errors, "options": options}
    context |= {"field_choices": FIELD_CHOICES, "sort_choices": SORT_CHOICES}
    return render(request, "catalog/search.html", context, status=400 if errors else 200)


def _total_of(results: str) -> int | None:
    """The hit count a rendered results fragment carries (``data-total``)."""
    found = TOTAL_MARK.search(results)
    return int(found.group(1)) if found else None


def _results(request, q: str, options: dict) -> str:
    """The rendered hits, facets and page links: the same for every reader who may see the
    same records (their visibility), per query, site prefix and language, and remembered under
    the page generation (an index change, a library rename… renders them again)."""

    def render_results() -> str:
        page = service.search(actor=request.user, q=q, **options)
        context = {"page": page, "options": options, "facet_labels": FACET_LABELS}
        # a plain context (the request, no context processors): nothing here is per reader
        return render_to_string("catalog/_results.html", {**context, "request": request})

    parts = (
        service.visibility_for(request.user),
        get_language(),
        get_script_prefix(),
        request.META.get("QUERY_STRING", ""),
    )
    return fragments.remembered("search", parts, render_results)
