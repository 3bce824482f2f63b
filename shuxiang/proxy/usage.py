"""Proxied use as usage events of the node's statistics (COUNTER database and platform reports).

Each proxied answer becomes at most one event through the stats app's ``record`` (never
blocking, never raising): the database is the vendor definition (its title, the event's
resource type), the institution the reader's home library. A PDF (its first byte: a whole
answer or a Range from 0) is an item request (``download``); an HTML page whose URL matches
the definition's item patterns an investigation (``item_view``); a URL matching its search
patterns a search; any other HTML page a page view. A reader refused for want of a licence
or for a pause counts as COUNTER's No_License or Limit_Exceeded.
"""

from __future__ import annotations

import re
from functools import lru_cache

from shuxiang.stats.events import record
from shuxiang.stats.middleware import channel_of

DATABASE_CHARS = 40  # the events' resource_type column


def database_of(vendor) -> str:
    """The Database name of ``vendor`` in COUNTER reports."""
    return vendor.title[:DATABASE_CHARS]


@lru_cache(maxsize=512)
def _compiled(patterns: tuple[str, ...]) -> re.Pattern | None:
    valid = []
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error:
            continue
        valid.append(f"(?:{pattern})")
    return re.compile("|".join(valid)) if valid else None


def matches(patterns: list[str], target: str) -> bool:
    compiled = _compiled(tuple(patterns or ()))
    return bool(compiled and compiled.search(target))


def item_id_of(vendor, target: str) -> str:
    return f"proxy:{vendor.pk}:{target.split('?')[0]}"[:200]


def event_of(vendor, kind: str, status: int, target: str, content_range: str) -> tuple[str, str]:
    """(event kind, item id) for one proxied answer; ("", "") when it is not usage."""
    if not 200 <= status < 300:
        return "", ""
    if kind == "pdf":
        first = status == 200 or content_range.startswith("bytes 0-")
        return ("download", item_id_of(vendor, target)) if first else ("", "")
    if kind != "html":
        return "", ""
    if matches(vendor.search_patterns, target):
        return "search", ""
    if matches(vendor.item_patterns, target):
        return "item_view", item_id_of(vendor, target)
    return "page_view", ""


def record_answer(user, vendor, kind: str, status: int, target: str, **request) -> str:
    """Record one proxied answer; the event kind recorded ("" for none).

    ``request`` may give ``content_range``, ``user_agent`` and ``at`` (default now)."""
    event, item_id = event_of(vendor, kind, status, target, request.pop("content_range", ""))
    if event:
        _record(event, user, vendor, item_id, target, **request)
    return event


def record_refusal(user, vendor, status: int, target: str, **request) -> None:
    """A reader refused for want of a licence (403) or for a pause (429)."""
    event = {403: "no_license", 429: "limit_exceeded"}.get(status)
    if event:
        _record(event, user, vendor, f"proxy:{vendor.pk}", target, **request)


def _record(
    event: str, user, vendor, item_id: str, target: str, user_agent: str = "", at=None
) -> None:
    name = target.split("?")[0].rsplit("/", 1)[-1]
    whole_database = item_id == f"proxy:{vendor.pk}"
    record(
        event,
        library=getattr(user, "home_library", None) or vendor.library,
        reader=user,
        resource_type=database_of(vendor),
        channel=channel_of("", user_agent),  # the vendor's paths are not the node's API
        item_id=item_id,
        title=vendor.title if whole_database or not name else f"{vendor.title}: {name}",
        at=at,
    )
