"""Content negotiation at every described page (resources, libraries, entities, courses …).

Chosen practice (W3C "Cool URIs", content negotiation without redirect): the page URL is the
entity's URI; it answers the representation the ``Accept`` header prefers, with ``Vary: Accept``
and ``Content-Location`` naming the format-specific URL (``?format=jsonld|ttl|rdf|nt|html``).
RDF always describes what an anonymous reader may see, so it is the same for everyone.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

from shuxiang.linkeddata import describers
from shuxiang.linkeddata.negotiation import BY_KEY, FORMATS, HTML, choose, serialize

SKIPPED_PREFIXES = ("/api/", "/static/", "/sparql", "/healthz", "/readyz", "/metrics")


def _alternates(path: str) -> str:
    return ", ".join(
        f'<{path}?format={fmt.key}>; rel="alternate"; type="{fmt.media_type}"'
        for fmt in FORMATS
        if fmt is not HTML
    )


def _plain(status: int, text: str) -> HttpResponse:
    response = HttpResponse(text + "\n", status=status, content_type="text/plain; charset=utf-8")
    patch_vary_headers(response, ["Accept"])
    return response


class LinkedDataMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        target = self._target(request)
        if target is None:
            return self.get_response(request)
        describer, kwargs = target
        explicit = request.GET.get("format")
        if explicit is not None and explicit not in BY_KEY:
            choices = ", ".join(BY_KEY)
            return _plain(400, _("format: must be one of %(choices)s.") % {"choices": choices})
        fmt = BY_KEY[explicit] if explicit else choose(request.headers.get("Accept", ""))
        if fmt is None:
            types = ", ".join(f.media_type for f in FORMATS)
            return _plain(406, _("Accept: this page is available as %(types)s.") % {"types": types})
        if fmt is HTML:
            response = self.get_response(request)
        else:
            graph = describer.describe_page(**kwargs)
            if graph is None:
                return _plain(404, _("No public entity at this address."))
            response = HttpResponse(
                serialize(graph, fmt), content_type=f"{fmt.media_type}; charset=utf-8"
            )
            response["Access-Control-Allow-Origin"] = "*"
        return self._label(response, request.path, fmt, explicit)

    @staticmethod
    def _target(request: HttpRequest):
        if request.method not in ("GET", "HEAD") or request.path_info.startswith(SKIPPED_PREFIXES):
            return None
        try:
            match = resolve(request.path_info)
        except Resolver404:
            return None
        describer = describers.for_url_name(match.view_name)
        return None if describer is None else (describer, match.kwargs)

    @staticmethod
    def _label(response: HttpResponse, path: str, fmt, explicit: str | None) -> HttpResponse:
        if response.status_code >= 300:
            return response
        patch_vary_headers(response, ["Accept"])
        if not explicit:
            response["Content-Location"] = f"{path}?format={fmt.key}"
        response["Link"] = _alternates(path)
        return response
