"""Template helpers for the search page: facet toggles and page links that keep the query."""

from __future__ import annotations

from django import template

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
