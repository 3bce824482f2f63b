"""Usage events of search (one per search answered) for the statistics platform."""

from __future__ import annotations

from django.apps import apps


def record_search(request) -> None:
    """Record a search by this request's reader on the current site, when stats run here."""
    if apps.is_installed("shuxiang.stats"):
        from shuxiang.stats.usage import record_request

        record_request("search", request)
