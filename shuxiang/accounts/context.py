"""Template context for every page: the signed-in reader's unread inbox messages (站内信)."""

from __future__ import annotations

from functools import cache

from shuxiang.accounts import inbox


def unread(request) -> dict:
    """``inbox_unread``: counted once per page, only when a template asks."""
    user = getattr(request, "user", None)
    return {"inbox_unread": cache(lambda: inbox.unread_count(user) if user else 0)}
