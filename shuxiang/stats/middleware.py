"""Recording a page view for every HTML page served (channel from path and user agent)."""

from __future__ import annotations

import re

from shuxiang.stats.events import record

MOBILE = re.compile(r"Mobile|Android|iPhone|iPad|HarmonyOS|MicroMessenger", re.IGNORECASE)
SKIPPED = ("/static/", "/media/", "/healthz", "/readyz", "/favicon")


def channel_of(path: str, user_agent: str) -> str:
    """``api`` for the JSON API, ``mobile`` for phone and tablet browsers, else ``web``."""
    if path.startswith("/api/") or path.startswith("/sushi/"):
        return "api"
    if MOBILE.search(user_agent or ""):
        return "mobile"
    return "web"


class PageViewMiddleware:
    """Records ``page_view`` for successful HTML responses; never affects the response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.method == "GET" and response.status_code == 200:
            content_type = response.headers.get("Content-Type", "")
            if content_type.startswith("text/html") and not request.path.startswith(SKIPPED):
                record(
                    "page_view",
                    library=getattr(request, "library", None) or "",
                    reader=getattr(request, "user", None),
                    channel=channel_of(request.path, request.headers.get("User-Agent", "")),
                )
        return response
