"""Usage events of search (one per search answered) for the statistics platform."""

from __future__ import annotations

from django.apps import apps


def record_search(request, q: str = "", total: int | None = None) -> None:
    """Record a search by this request's reader on the current site, when stats run here; with
    its hit count (``hits:<n>``) and, for a search that found nothing, its terms, so that the
    analytics app can list what readers looked for in vain (检索无结果)."""
    if apps.is_installed("shuxiang.stats"):
        from shuxiang.stats.usage import record_request

        item_id = "" if total is None else f"hits:{total}"
        title = q.strip() if total == 0 else ""
        record_request("search", request, item_id=item_id, title=title)
