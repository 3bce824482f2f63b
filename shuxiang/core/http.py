"""Small facts about an HTTP request that several apps need."""

from __future__ import annotations


def client_ip(request) -> str:
    """The client address as the front proxy (or the socket) reports it; "" when unknown."""
    if request is None:
        return ""
    return request.META.get("REMOTE_ADDR", "")


def ascii_int(text: str | None, max_digits: int = 18) -> int | None:
    """``text`` as a whole number when it is 1 to ``max_digits`` ASCII digits, else None.

    ``str.isdigit()`` is true for "²" and "١٢" too, and ``int()`` reads "１２"; identifiers,
    offsets and page numbers sent by clients are plain 0-9.
    """
    if text is None or not 0 < len(text) <= max_digits or not text.isascii():
        return None
    return int(text) if text.isdigit() else None
