"""Small facts about an HTTP request that several apps need, and the node's public address."""

from __future__ import annotations

import os

from django.conf import settings
from django.dispatch import Signal

from shuxiang.core.options import DEFAULT_BASE_URL

#: Sent with ``url=`` when ``serve`` or ``demo`` adopts the address it listens on.
base_url_changed = Signal()


def client_ip(request) -> str:
    """The client address as a trusted proxy (or the socket) reports it; "" when unknown.

    ``shuxiang.core.proxies.TrustedProxyMiddleware`` has already replaced ``REMOTE_ADDR`` with
    the forwarded address when, and only when, the peer is a configured trusted proxy.
    """
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


def base_url() -> str:
    """The node's public base URL, without a trailing slash; never taken from a request."""
    return (getattr(settings, "BASE_URL", "") or DEFAULT_BASE_URL).rstrip("/")


def serving_url(host: str, port: int) -> str:
    """The URL of a server listening on ``host``:``port`` (a wildcard address means loopback)."""
    host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(host, host)
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}"


def adopt_base_url(host: str, port: int) -> str | None:
    """Make the served address the base URL unless ``SHUXIANG_BASE_URL`` is configured.

    Worker processes inherit it through the environment; this process's settings and the
    listeners of ``base_url_changed`` (the OIDC issuer) are updated. Returns the adopted URL.
    """
    if getattr(settings, "BASE_URL", ""):
        return None
    url = serving_url(host, port)
    os.environ["SHUXIANG_BASE_URL"] = url
    settings.BASE_URL = url
    base_url_changed.send(sender=None, url=url)
    return url
