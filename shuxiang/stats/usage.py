"""Recording usage from the other apps (SPEC §8): one call per event, channel from the request.

Apps call :func:`record_request` where a reader searches, views an item, downloads or plays;
logins and registrations are recorded from Django's signals (see ``signals.py``), so every way
in — page, API, OIDC, upstream identity source — counts once. Never raises into the caller.
"""

from __future__ import annotations

from typing import Any

from shuxiang.stats.events import record
from shuxiang.stats.middleware import channel_of


def record_request(
    kind: str,
    request: Any,
    *,
    library: Any = None,
    resource_type: str = "",
    item_id: str = "",
    title: str = "",
) -> None:
    """Record ``kind`` for the reader behind ``request`` (library defaults to the branch site)."""
    user = getattr(request, "user", None)
    if library is None:
        library = getattr(request, "library", None) or getattr(user, "home_library", None)
    record(
        kind,
        library=library or "",
        reader=user if getattr(user, "is_authenticated", False) else None,
        resource_type=resource_type,
        channel=channel_of(request.path, request.headers.get("User-Agent", "")),
        item_id=item_id,
        title=title,
    )
    events = getattr(request, "page_cache_events", None)
    if events is not None:  # a cacheable page: answers from the cache record this again
        code = getattr(library, "code", library) or ""
        events.append((kind, code, resource_type, item_id, title))
