"""Proxy by port (按端口代理): the fallback for deployments without wildcard DNS.

As EZproxy's "proxy by port", each vendor origin gets a port of its own on the node, taken from
``SHUXIANG_PROXY_PORTS`` (``first-last``) and kept for good (``GatewayPort``); a reader reaches
``https://www.vendor.com/x`` as ``<scheme>://<node host>:<its port>/x``. Only the node's own
name has to resolve and one ordinary certificate for that name covers every port, but the
ports must be open to readers. ``SHUXIANG_PROXY_MODE`` chooses: ``hostname`` (default) or
``port``.

Cookies are not scoped by port, so every port of the node shares one cookie jar in the
browser: the gateway renames each vendor cookie with its port (``sx9101-name``) on the way to
the browser and passes back upstream only the cookies of that port, without the prefix; the
node's own cookies never reach a vendor.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction

from shuxiang.core import options
from shuxiang.core.http import base_url
from shuxiang.proxy.models import GatewayPort
from shuxiang.proxy.stanzas import Origin, origin_of

MODES = ("hostname", "port")
RANGE = re.compile(r"^\s*([0-9]{1,5})\s*-\s*([0-9]{1,5})\s*$", re.ASCII)
COOKIE_PREFIX = "sx{port}-"


class PortsExhausted(Exception):
    """Every port of ``SHUXIANG_PROXY_PORTS`` is taken."""


def mode() -> str:
    """``hostname`` or ``port`` (``SHUXIANG_PROXY_MODE``)."""
    chosen = str(options.value("PROXY_MODE")).strip().lower()
    if chosen not in MODES:
        raise ImproperlyConfigured(f"SHUXIANG_PROXY_MODE: use hostname or port, not {chosen!r}.")
    return chosen


def by_port() -> bool:
    return mode() == "port"


def port_range() -> range:
    """The ports of ``SHUXIANG_PROXY_PORTS`` (``9100-9139``)."""
    text = str(options.value("PROXY_PORTS"))
    match = RANGE.match(text)
    if match is None:
        raise ImproperlyConfigured(
            f"SHUXIANG_PROXY_PORTS: give first-last, e.g. 9100-9139, not {text!r}."
        )
    first, last = int(match[1]), int(match[2])
    if not 1024 <= first <= last <= 65535:
        raise ImproperlyConfigured(
            f"SHUXIANG_PROXY_PORTS: {text!r} must lie within 1024-65535, first ≤ last."
        )
    return range(first, last + 1)


def node_host() -> str:
    """The node's host name as readers reach it (the host of ``SHUXIANG_BASE_URL``)."""
    return urlsplit(base_url()).hostname or "127.0.0.1"


def listen_ports() -> list[int]:
    """The ports the gateway listens on besides the site's (none by hostname)."""
    return list(port_range()) if by_port() else []


def port_of(origin: Origin) -> int:
    """The node port standing for ``origin``; the lowest free port when it has none yet."""
    key = f"{origin.scheme}://{origin.netloc}"
    found = GatewayPort.objects.filter(origin=key).values_list("port", flat=True).first()
    if found is not None:
        return found
    ports = port_range()
    for _attempt in range(5):  # another process may take the same free port meanwhile
        taken = set(GatewayPort.objects.filter(port__in=ports).values_list("port", flat=True))
        free = next((p for p in ports if p not in taken), None)
        if free is None:
            raise PortsExhausted(f"SHUXIANG_PROXY_PORTS ({ports.start}-{ports.stop - 1}) is full.")
        try:
            with transaction.atomic():
                return GatewayPort.objects.create(origin=key, port=free).port
        except IntegrityError:
            found = GatewayPort.objects.filter(origin=key).values_list("port", flat=True).first()
            if found is not None:
                return found
    raise PortsExhausted("No port could be assigned; try again.")


def origin_of_port(port: int) -> Origin | None:
    """The vendor origin a node port stands for, or None."""
    key = GatewayPort.objects.filter(port=port).values_list("origin", flat=True).first()
    return origin_of(key) if key else None


def gateway_root(origin: Origin) -> str:
    """``scheme://node:port`` standing for ``origin``."""
    scheme = options.value("PROXY_GATEWAY_SCHEME")
    return f"{scheme}://{node_host()}:{port_of(origin)}"


def request_port(host_header: str) -> int | None:
    """The port of a Host header (``node:9101``), None without one."""
    _, _, port = host_header.rpartition(":")
    if not port or "]" in port or not port.isascii() or not port.isdigit() or len(port) > 5:
        return None
    return int(port)


def outgoing_cookie(set_cookie: str, port: int) -> str:
    """A vendor's Set-Cookie renamed for the browser: ``name`` becomes ``sx<port>-name``."""
    return COOKIE_PREFIX.format(port=port) + set_cookie.lstrip()


def incoming_cookies(header: str, port: int) -> str:
    """The browser's cookies of ``port``'s vendor, prefixes removed; no other cookie."""
    prefix = COOKIE_PREFIX.format(port=port)
    kept = []
    for part in header.split(";"):
        part = part.strip()
        if part.startswith(prefix):
            kept.append(part[len(prefix) :])
    return "; ".join(kept)
