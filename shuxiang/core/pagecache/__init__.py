"""The anonymous page cache (页面缓存): public pages answered before Django runs.

Pages a view marks as public (:func:`public_page`) are stored, for readers without a session,
by :class:`~shuxiang.core.pagecache.front.PageCacheFront` (the ASGI front of ``shuxiang serve``)
and answered from the store until an event changes what they show: such events call
:func:`changed` and the store's generation advances when their transaction commits.
"""

from __future__ import annotations

import logging
from functools import wraps

from django.db import transaction

from shuxiang.core.pagecache.stores import get_store

log = logging.getLogger(__name__)


def public_page(view):
    """Mark ``view``'s successful anonymous answers as cacheable (the same for every reader
    without a session, on the same site, path, query and language)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        if not hasattr(response, "public_page"):
            response.public_page = True
        return response

    return wrapper


def changed(**_signal) -> None:
    """What pages show changed: every cached page is stale once this transaction commits."""
    transaction.on_commit(bump_now)


def generation() -> int:
    """The node's current page generation (it advances whenever public content changes); 0
    when the store cannot be read. Fragment caches put it in their keys."""
    try:
        return get_store().generation()
    except Exception:
        log.warning("could not read the page generation", exc_info=True)
        return 0


def bump_now() -> None:
    try:
        get_store().bump()
    except Exception:  # the lifetime (SHUXIANG_PAGE_CACHE_SECONDS) still bounds staleness
        log.exception("could not invalidate the page cache")
