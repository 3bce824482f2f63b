"""Public pages of a branch site: home, site switcher, topics, sharing, and the PWA files."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import qrcode
import qrcode.image.svg
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import render
from django.templatetags.static import static
from django.urls import NoReverseMatch, get_script_prefix, reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control

from shuxiang.core.pagecache import public_page
from shuxiang.network import queries as network_queries
from shuxiang.network.models import Library
from shuxiang.portal import chapters, queries
from shuxiang.portal.models import ReadingPosition
from shuxiang.portal.sites import SERVED, branding_of

STATIC_DIR = Path(__file__).resolve().parent / "static" / "portal"


def _site_or_404(request):
    if getattr(request, "site", None) is None:
        raise Http404(_("This node has no library site yet."))
    return request.site


def _search_url() -> str | None:
    """The search page of the metadata warehouse, when this node runs it."""
    try:
        return reverse("catalog:search")
    except NoReverseMatch:
        return None


@public_page
def home(request):
    """A site's home page: its columns and topics, and what the center distributes to it."""
    site = _site_or_404(request)
    reading_now = []
    if request.user.is_authenticated:
        for position in ReadingPosition.objects.filter(user=request.user)[:3]:
            found = chapters.find(position.item_key)
            title = found[1].title if found else position.item_key
            reading_now.append({"item_key": position.item_key, "title": title})
    version = queries.shelves_version(site.library)
    context = {
        "shelves": queries.HomeShelves(site.library, version),
        # the rendered shelves are cached too (per site prefix and language; the same events
        # that clear cached pages change the version)
        "shelves_key": f"{version}:{get_script_prefix()}",
        "shelves_seconds": queries.HOME_CACHE_SECONDS,
        "brand": branding_of(site.library),
        "reading_now": reading_now,
        "search_url": _search_url(),
    }
    return render(request, "portal/home.html", context)


def warm() -> None:
    """Compile the home and reader pages' templates in this process (server workers call this
    as they start)."""
    from django.template.loader import get_template

    for name in ("portal/home.html", "portal/reader.html", "portal/topic.html"):
        get_template(name)


@public_page
def topic(request, pk: int):
    """A topic page with its introduction and entries."""
    site = _site_or_404(request)
    found = queries.topic_on_site(site.library, pk)
    if found is None:
        raise Http404(_("This site shows no such topic."))
    return render(request, "portal/topic.html", {"topic": found})


@public_page
def site_switcher(request):
    """Choose another library's site: the one above, the ones below, or search by name."""
    site = _site_or_404(request)
    text = request.GET.get("q", "").strip()[:50]
    served = Library.objects.filter(status__in=SERVED)
    if text:
        found = served.filter(Q(name__icontains=text) | Q(code__iexact=text))[:30]
    else:
        found = served.filter(level__in=(Library.Level.NATIONAL, Library.Level.PROVINCIAL))
    context = {
        "q": text,
        "found": list(found),
        "above": list(network_queries.ancestors(site.library)),
        "below": list(served.filter(parent=site.library).order_by("code")[:60]),
    }
    return render(request, "portal/sites.html", context)


def _shared_path(request) -> str:
    path = request.GET.get("u", "/")
    if not path.startswith("/") or path.startswith("//") or len(path) > 500:
        raise ValueError(path)
    return path


def share(request):
    """A share page for a path on this site: the full link and its QR code."""
    try:
        path = _shared_path(request)
    except ValueError:
        return HttpResponseBadRequest(_("Share only paths on this site (starting with /)."))
    context = {
        "link": request.build_absolute_uri(path),
        "title": request.GET.get("t", "")[:200],
        "qr": qr_svg(request.build_absolute_uri(path)),
        "path": path,
    }
    return render(request, "portal/share.html", context)


def qr_svg(text: str) -> str:
    """``text`` as a QR code in SVG (one path, scales to any size)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=8, border=2)
    return image.to_string(encoding="unicode")


@cache_control(max_age=3600)
def share_qr(request):
    """The QR code of a link on this site, as an SVG image."""
    try:
        path = _shared_path(request)
    except ValueError:
        return HttpResponseBadRequest(_("Share only paths on this site (starting with /)."))
    return HttpResponse(qr_svg(request.build_absolute_uri(path)), content_type="image/svg+xml")


@cache_control(max_age=3600)
def manifest(request):
    """The web app manifest of the current site (its name, colours and start page)."""
    site = _site_or_404(request)
    brand = branding_of(site.library)
    body = {
        "name": brand["name"],
        "short_name": brand["name"][:12],
        "lang": "zh-Hans",
        "start_url": reverse("portal:home"),
        "scope": reverse("portal:home"),
        "display": "standalone",
        "background_color": "#fbfaf7",
        "theme_color": brand["accent"],
        "icons": [{"src": reverse("portal:icon"), "sizes": "any", "type": "image/svg+xml"}],
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False), content_type="application/manifest+json"
    )


@cache_control(max_age=86400)
def icon(request):
    """The site's app icon: a book on the site's colour."""
    accent = branding_of(_site_or_404(request).library)["accent"]
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 96 96">'
        f'<rect width="96" height="96" rx="18" fill="{accent}"/>'
        '<path d="M20 26h24c3 0 4 2 4 4v44c0-3-2-4-4-4H20zM76 26H52c-3 0-4 2-4 4v44'
        'c0-3 2-4 4-4h24z" fill="#fff"/></svg>'
    )
    return HttpResponse(svg, content_type="image/svg+xml")


@cache
def _worker_source() -> str:
    return (STATIC_DIR / "sw.js").read_text(encoding="utf-8")


def service_worker(request):
    """The service worker, served from the root so it may control every page of the node."""
    shell = [
        static("shuxiang/base.css"),
        static("portal/portal.css"),
        static("portal/app.js"),
        static("portal/reader.js"),
        reverse("portal:offline"),
    ]
    body = f"const SHELL = {json.dumps(shell)};\n" + _worker_source()
    response = HttpResponse(body, content_type="text/javascript")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response


def offline(request):
    """Shown by the service worker when a page is neither online nor cached."""
    return render(request, "portal/offline.html")
