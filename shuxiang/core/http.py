"""Small facts about an HTTP request that several apps need."""

from __future__ import annotations


def client_ip(request) -> str:
    """The client address as the front proxy (or the socket) reports it; "" when unknown."""
    if request is None:
        return ""
    return request.META.get("REMOTE_ADDR", "")
