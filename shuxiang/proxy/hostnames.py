"""Proxy by hostname (按主机名代理): ``www.vendor.com`` ↔ ``www-vendor-com.<proxy domain>``.

As in EZproxy, a hyphen of the original host is doubled before dots become hyphens, so the
mapping is reversible; an https origin gets an ``https-`` marker label first
(``https-www-vendor-com``), so one wildcard name covers both schemes. A port other than the
scheme's default is kept as ``-p8080``.
"""

from __future__ import annotations

import re

from shuxiang.proxy.stanzas import Origin

HOST_LABEL = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$", re.ASCII)
LABEL = re.compile(
    r"^(?P<https>https-)?(?P<host>[a-z0-9-]+?)(?:-p(?P<port>[0-9]{1,5}))?$", re.ASCII
)


def proxy_host(origin: Origin, proxy_domain: str) -> str:
    """The gateway host name that stands for ``origin``."""
    label = origin.host.replace("-", "--").replace(".", "-")
    default = {"http": 80, "https": 443}[origin.scheme]
    if origin.port not in (None, default):
        label += f"-p{origin.port}"
    if origin.scheme == "https":
        label = "https-" + label
    return f"{label}.{proxy_domain}"


def origin_of_proxy_host(host: str, proxy_domain: str) -> Origin | None:
    """The origin a gateway host name stands for, or None when it is not one of ours."""
    host = host.lower().split(":")[0].rstrip(".")
    suffix = "." + proxy_domain.lower()
    if not host.endswith(suffix):
        return None
    match = LABEL.match(host[: -len(suffix)])
    if match is None:
        return None
    encoded = match["host"]
    original = encoded.replace("--", "\0").replace("-", ".").replace("\0", "-")
    if not all(HOST_LABEL.match(label) for label in original.split(".")):
        return None
    port = int(match["port"]) if match["port"] else None
    if port is not None and not 0 < port < 65536:
        return None
    return Origin("https" if match["https"] else "http", original, port)
