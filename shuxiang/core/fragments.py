"""Rendered fragments remembered under the page generation (片段缓存).

A fragment is a piece of HTML that many readers' pages share (a search's hits and facets for
readers who may see the same records, a site's shelves). :func:`remembered` keeps it in the
cache (local memory embedded, Redis in server mode) under the caller's key *and* the current
page generation (``shuxiang.core.pagecache``), so every event that clears cached pages makes
the fragment stale at once; ``seconds`` bounds its life as a safety net.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable

from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe

from shuxiang.core import pagecache

SECONDS = 120


def key_of(kind: str, *parts: object) -> str:
    """A cache key for fragment ``kind`` that depends on ``parts`` and the page generation."""
    raw = "\x1f".join(str(part) for part in (pagecache.generation(), *parts))
    return f"fragment:{kind}:{hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()}"


def remembered(kind: str, parts: tuple, render: Callable[[], str], seconds=SECONDS) -> SafeString:
    """The fragment for ``parts`` from the cache, or ``render()`` (then kept)."""
    key = key_of(kind, *parts)
    html = cache.get(key)
    if html is None:
        html = render()
        cache.set(key, str(html), seconds)
    return mark_safe(html)
