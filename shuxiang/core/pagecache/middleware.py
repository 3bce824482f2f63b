"""Django's side of the page cache: decides whether the page just rendered may be stored.

Only on requests the ASGI front let through as cacheable (it puts a ticket in the ASGI scope).
A page is stored when its view is a :func:`~shuxiang.core.pagecache.public_page`, the reader is
anonymous, the answer is a complete 200 that is not private, no CSRF token went into it, and
it was rendered in the language the front keyed it by. The usage events the page recorded are
kept with it, so answers from the cache count like answers from Django.
"""

from __future__ import annotations

from django.utils.translation import get_language

from shuxiang.core.pagecache.front import SCOPE_KEY

PRIVATE = ("private", "no-store", "no-cache")


class PageCacheMiddleware:
    """Marks public anonymous pages for the front to store (after AuthenticationMiddleware)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        ticket = getattr(request, "scope", {}).get(SCOPE_KEY)
        if ticket is None:
            return self.get_response(request)
        request.page_cache_events = []
        response = self.get_response(request)
        if self._storable(request, response, ticket):
            ticket["events"] = request.page_cache_events
            ticket["store"] = True
        return response

    @staticmethod
    def _storable(request, response, ticket) -> bool:
        control = response.get("Cache-Control", "")
        return (
            getattr(response, "public_page", False)
            and response.status_code == 200
            and not response.streaming
            and not request.user.is_authenticated
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE")
            and not any(word in control for word in PRIVATE)
            and get_language() == ticket["lang"]
            and not response.cookies
        )
