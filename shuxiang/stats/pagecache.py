"""Usage of pages answered by the anonymous page cache (core's front never imports this app).

Named by ``settings.PAGE_CACHE_REPLAY``: the cache calls :func:`replay` for every hit, so page
views, searches and item views count the same whether Django rendered the page or not.
"""

from __future__ import annotations

from shuxiang.stats.events import record
from shuxiang.stats.middleware import channel_of


def replay(scope, entry) -> None:
    """Record again the usage events a cached page produced when it was rendered."""
    agent = next((v.decode("latin-1") for n, v in scope["headers"] if n == b"user-agent"), "")
    channel = channel_of(scope["path"], agent)
    if entry.html:
        record("page_view", library="", channel=channel)
    for kind, library, resource_type, item_id, *title in entry.events:
        record(
            kind,
            library=library,
            resource_type=resource_type,
            channel=channel,
            item_id=item_id,
            title=title[0] if title else "",
        )
