"""Branch sites (总分站): which library's site a request is for, and how that site looks.

A request is for a library's site when its Host is one of the library's domains, or when its
path starts with ``/s/<code or site path>/`` (then the prefix becomes the script prefix, so every
URL the site generates stays inside it). Otherwise it is for the default site: the library named
by ``SHUXIANG_PORTAL_DEFAULT_SITE``, or the national library. The national site is a branch
like any other.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404
from django.urls import get_script_prefix, set_script_prefix
from django.utils.translation import gettext as _

from shuxiang.core import options
from shuxiang.network import queries as network_queries
from shuxiang.network.models import Library

PREFIX_RE = re.compile(r"^/s/([A-Za-z0-9][A-Za-z0-9-]{0,63})(/.*)?$")
SERVED = (Library.Status.ACTIVE, Library.Status.SUSPENDED)
DEFAULT_ACCENT = "#8b1a1a"
CACHE_SECONDS = 30
_resolved: dict[tuple[str, str], tuple[float, Library | None]] = {}


@dataclass(frozen=True)
class Site:
    """The library whose site this is, and the path prefix its URLs live under ("" if none)."""

    library: Library
    prefix: str = ""
    via: str = "default"  # "host", "path" or "default"

    @property
    def home(self) -> str:
        return self.prefix + "/"


def library_for_segment(segment: str) -> Library | None:
    """The library a ``/s/<segment>/`` prefix names: its code or its site path."""
    found = list(
        Library.objects.filter(status__in=SERVED).filter(
            Q(code=segment.upper()) | Q(site_path=segment.lower())
        )[:2]
    )
    found.sort(key=lambda library: library.code != segment.upper())
    return found[0] if found else None


def default_library() -> Library | None:
    """The site served when neither the host nor the path names one."""
    code = options.value("PORTAL_DEFAULT_SITE")
    if code:
        return Library.objects.filter(code=code.upper()).first()
    return Library.objects.filter(level=Library.Level.NATIONAL).order_by("path").first()


def _remembered(kind: str, key: str, load: Callable[[], Library | None]) -> Library | None:
    """``load()``, remembered in this process for a few seconds (sites rarely change)."""
    now = time.monotonic()
    found = _resolved.get((kind, key))
    if found is None or found[0] < now:
        found = (now + CACHE_SECONDS, load())
        _resolved[(kind, key)] = found
    return found[1]


def forget_sites(**_signal) -> None:
    """Drop remembered sites (a library or domain changed in this process)."""
    _resolved.clear()


def _for_host(host: str) -> Library | None:
    library = network_queries.library_for_host(host) if host else None
    return library if library is not None and library.status in SERVED else None


def resolve(host: str, path: str) -> tuple[Site | None, str]:
    """The site for ``host`` and ``path``, and the path left once a site prefix is removed."""
    match = PREFIX_RE.match(path)
    if match:
        segment = match.group(1)
        library = _remembered("path", segment, lambda: library_for_segment(segment))
        if library is None:
            raise Http404(_("No library site is called %(name)s.") % {"name": segment})
        return Site(library, f"/s/{segment}", "path"), match.group(2) or "/"
    library = _remembered("host", host, lambda: _for_host(host))
    if library is not None:
        return Site(library, "", "host"), path
    library = _remembered("default", "", default_library)
    return (Site(library) if library else None), path


class SiteMiddleware:
    """Sets ``request.site`` (a :class:`Site` or None) and serves ``/s/<code>/…`` paths."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(("/static/", "/healthz", "/readyz", "/metrics")):
            request.site = None
            return self.get_response(request)
        site, rest = resolve(request.get_host(), request.path_info)
        request.site = site
        if site is None or not site.prefix:
            return self.get_response(request)
        previous = get_script_prefix()
        request.path_info = rest
        set_script_prefix(previous.rstrip("/") + site.prefix + "/")
        try:
            return self.get_response(request)
        finally:
            set_script_prefix(previous)


def _channel(hex_colour: str, index: int) -> float:
    value = int(hex_colour[1 + 2 * index : 3 + 2 * index], 16) / 255
    return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    """Relative luminance (WCAG 2) of a ``#rrggbb`` colour."""
    red, green, blue = (_channel(hex_colour, i) for i in range(3))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast(first: str, second: str) -> float:
    """WCAG contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def readable_on_white(hex_colour: str, minimum: float = 4.5) -> str:
    """``hex_colour`` darkened step by step until white text on it (and it on white) is legible."""
    red, green, blue = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    colour = hex_colour.lower()
    while contrast(colour, "#ffffff") < minimum:
        red, green, blue = (int(c * 0.9) for c in (red, green, blue))
        colour = f"#{red:02x}{green:02x}{blue:02x}"
    return colour


def branding_of(library: Library) -> dict:
    """What a site looks like: name, logo, slogan and its colours (legible on white)."""
    branding = library.branding or {}
    accent = branding.get("primary_color") or DEFAULT_ACCENT
    return {
        "name": library.name,
        "logo": branding.get("logo", ""),
        "slogan": branding.get("slogan", ""),
        "accent": readable_on_white(accent),
        "accent2": readable_on_white(branding.get("accent_color") or accent),
    }
