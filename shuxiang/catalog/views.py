"""Pages and endpoints of the catalog: the OAI-PMH provider and the search page."""

from __future__ import annotations

from pathlib import Path

from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from shuxiang.catalog import usage
from shuxiang.catalog.oai.provider import Provider
from shuxiang.catalog.search import service
from shuxiang.catalog.search.base import FACETS
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


@require_GET
@public_page
def search_page(request):
    """The search page: works without JavaScript; facets are plain links and checkboxes."""
    q = request.GET.get("q", "")
    options = _options(request)
    page, errors = None, []
    try:
        if q.strip() or options["filters"]:
            page = service.search(actor=request.user, q=q, **options)
            usage.record_search(request)
    except (ValidationFailed, ValueError) as error:
        errors = getattr(error, "errors", []) or [str(error)]
    return render(
        request,
        "catalog/search.html",
        {
            "q": q,
            "page": page,
            "errors": errors,
            "options": options,
            "field_choices": FIELD_CHOICES,
            "sort_choices": SORT_CHOICES,
            "facet_labels": FACET_LABELS,
        },
        status=400 if errors else 200,
    )
