"""Forwarded headers believed only from the reverse proxies this node is configured to trust.

``SHUXIANG_TRUSTED_PROXIES`` lists their addresses or CIDR blocks. From any other peer,
``X-Forwarded-Proto`` and ``X-Forwarded-For`` are dropped before Django reads them, so a client
cannot claim HTTPS (``request.is_secure()``, HSTS, secure redirects) or another address (login
throttles per source). From a trusted proxy, the client is the right-most address of
``X-Forwarded-For`` that is not itself a trusted proxy.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
FORWARDED = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_FOR")


def parse_networks(entries: Iterable[str]) -> list[Network]:
    """Parse addresses and CIDR blocks; a bad entry is a configuration error naming it."""
    networks = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"SHUXIANG_TRUSTED_PROXIES: {entry!r} is not an IP address or CIDR block"
            ) from None
    return networks


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(text.strip().strip("[]"))
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def is_trusted(text: str, networks: list[Network]) -> bool:
    address = _address(text)
    return address is not None and any(address in network for network in networks)


def forwarded_client(peer: str, chain: str, networks: list[Network]) -> str:
    """The client address behind trusted ``peer``: walk X-Forwarded-For from the right."""
    client = peer
    for hop in reversed([part.strip() for part in chain.split(",") if part.strip()]):
        address = _address(hop)
        if address is None:
            break  # a malformed hop: keep the last address a trusted proxy vouched for
        client = str(address)
        if not is_trusted(client, networks):
            break
    return client


class TrustedProxyMiddleware:
    """First in the chain: strips or applies forwarded headers by the peer's address."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.networks = parse_networks(settings.TRUSTED_PROXIES)

    def __call__(self, request):
        meta = request.META
        peer = meta.get("REMOTE_ADDR", "")
        if is_trusted(peer, self.networks):
            chain = meta.pop("HTTP_X_FORWARDED_FOR", "")
            if chain:
                meta["REMOTE_ADDR"] = forwarded_client(peer, chain, self.networks)
        else:
            for header in FORWARDED:
                meta.pop(header, None)
        return self.get_response(request)
