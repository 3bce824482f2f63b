"""Template helpers for the search page: facet toggles and page links that keep the query."""

from __future__ import annotations

from urllib.parse import urlsplit

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()


@register.filter
def get(mapping, key):
    """``mapping[key]`` (empty when missing)."""
    return (mapping or {}).get(key, "")


@register.simple_tag
def toggle_filter(request, name: str, value: str) -> str:
    """The query string with ``name=value`` added, or removed when already there; page reset."""
    params = request.GET.copy()
    values = params.getlist(name)
    params.setlist(name, [v for v in values if v != value] if value in values else [*values, value])
    params.pop("page", None)
    return params.urlencode()


@register.simple_tag
def page_link(request, number: int) -> str:
    params = request.GET.copy()
    params["page"] = str(number)
    return params.urlencode()


READABLE_TYPES = {"ebook", "classic"}


@register.simple_tag
def local_links(hit) -> dict:
    """Where a hit opens: its page here when it is a resource of this node (and the reader
    for books), else its page at the node holding it (a harvested child's record).

    Records of local resources carry ``local_id`` ``resource:<pk>`` (written on publish);
    the hit's own record is used first, then its other holdings. Empty when none has a page.
    """
    for record in [hit.record, *hit.holdings]:
        local_id = record.local_id or ""
        number = local_id.removeprefix("resource:")
        if record.source.kind != "local" or number == local_id or not number.isdigit():
            continue
        links = {"page": _reverse("resources:detail", args=[int(number)])}
        if record.type in READABLE_TYPES:
            links["read"] = _reverse("portal:read", kwargs={"item_key": local_id})
        return links if links["page"] else {}
    for record in [hit.record, *hit.holdings]:
        if record.holding_url.startswith(("https://", "http://")):
            return {"page": record.holding_url, "node": urlsplit(record.holding_node).netloc}
    return {}


def _reverse(name: str, **kwargs) -> str:
    try:
        return reverse(name, **kwargs)
    except NoReverseMatch:
        return ""
