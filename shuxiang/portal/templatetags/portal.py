"""Template filters of the portal."""

from django import template
from django.urls import get_script_prefix

register = template.Library()


@register.filter
def on_site(url: str) -> str:
    """A path stored as ``/read/…`` made relative to the current site (``/s/<code>/read/…``)."""
    if url.startswith("/") and not url.startswith("//"):
        return get_script_prefix().rstrip("/") + url
    return url
