"""Template tags other apps' pages include to show recommendations (one line each)."""

from __future__ import annotations

from django import template

from shuxiang.analytics import serving
from shuxiang.core.http import client_ip

register = template.Library()


def _viewer(context) -> tuple[object, str | None]:
    request = context.get("request")
    if request is None:
        return None, None
    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return user, None  # anonymous pages are cached for everyone: no network-only items
    return user, client_ip(request)


@register.inclusion_tag("analytics/_suggestions.html", takes_context=True)
def related_items(context, resource, n: int = 6):
    """Related items of a resource (co-viewed in sessions, readers also read)."""
    actor, ip = _viewer(context)
    return {"suggestions": serving.related(actor, ip, resource, n), "heading": "related"}


@register.inclusion_tag("analytics/_suggestions.html", takes_context=True)
def related_to_item(context, item_key: str, n: int = 6):
    """Related items of what the portal reader shows (its item key, ``resource:<pk>``)."""
    actor, ip = _viewer(context)
    return {"suggestions": serving.related_to(actor, ip, item_key, n), "heading": "related"}


@register.inclusion_tag("analytics/_suggestions.html", takes_context=True)
def recommended_for_reader(context, n: int = 6):
    """Personal suggestions (popular ones for new or anonymous readers)."""
    actor, ip = _viewer(context)
    library = getattr(context.get("request"), "library", None)
    return {"suggestions": serving.for_home(actor, ip, library, n), "heading": "for_you"}
