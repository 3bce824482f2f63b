"""Configuration check of the gateway (代理配置检查): wildcard DNS and the wildcard certificate.

Proxy by hostname needs two things outside the node: every name under the proxy domain must
resolve to the gateway (a wildcard DNS record ``*.<domain>``), and with https one certificate
must cover them all (a ``*.<domain>`` name in its subjectAltName). The check asks for a name
nobody configured by hand (``sxcheck-<random>.<domain>``), so only a wildcard answers it, then
opens TLS to it and verifies the chain and the name like a browser does. Each finding says
what is wrong and what to do.
"""

from __future__ import annotations

import secrets
import socket
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from shuxiang.proxy.hostnames import HOST_LABEL

RENEW_DAYS = 14


@dataclass
class Finding:
    ok: bool
    what: str
    message: str


Resolver = Callable[[str], list[str]]


def resolve(name: str) -> list[str]:
    """The addresses ``name`` resolves to through the system resolver."""
    infos = socket.getaddrinfo(name, None, proto=socket.IPPROTO_TCP)
    return sorted({info[4][0] for info in infos})


def check(
    domain: str,
    *,
    scheme: str = "https",
    port: int = 0,
    cafile: str | None = None,
    resolver: Resolver = resolve,
    timeout: float = 5,
) -> list[Finding]:
    """Findings about ``domain``; the check stops at the first step that cannot go on."""
    domain = domain.strip().lower().rstrip(".")
    if not domain or not all(HOST_LABEL.match(part) for part in domain.split(".")):
        return [Finding(False, "domain", f"SHUXIANG_PROXY_DOMAIN is not a host name: {domain!r}.")]
    probe = f"sxcheck-{secrets.token_hex(4)}.{domain}"
    try:
        addresses = resolver(probe)
    except (OSError, UnicodeError) as exc:
        return [
            Finding(
                False,
                "dns",
                f"{probe} does not resolve ({exc}). Add a wildcard DNS record *.{domain} "
                "pointing at the gateway (A/AAAA or CNAME).",
            )
        ]
    findings = [Finding(True, "dns", f"*.{domain} resolves ({probe} → {', '.join(addresses)}).")]
    if scheme != "https":
        warning = "Gateway hosts are served over plain http: readers' sessions travel in clear."
        return [*findings, Finding(False, "tls", warning)]
    return [*findings, _certificate(probe, addresses[0], port or 443, domain, cafile, timeout)]


def _peer(address: str, port: int, name: str, context: ssl.SSLContext, timeout: float) -> dict:
    raw = socket.create_connection((address, port), timeout=timeout)
    with raw, context.wrap_socket(raw, server_hostname=name) as tls:
        return tls.getpeercert() or {}


def _certificate(name, address, port, domain, cafile, timeout) -> Finding:
    context = ssl.create_default_context(cafile=cafile)
    try:
        cert = _peer(address, port, name, context, timeout)
    except ssl.SSLCertVerificationError as exc:
        return Finding(False, "certificate", _mismatch(exc, address, port, name, domain, cafile))
    except (OSError, ssl.SSLError) as exc:
        return Finding(False, "tls", f"No TLS answer from {name} ({address}:{port}): {exc}.")
    expires = datetime.fromtimestamp(ssl.cert_time_to_seconds(cert["notAfter"]), UTC)
    days = (expires - datetime.now(UTC)).days
    if days < RENEW_DAYS:
        return Finding(False, "certificate", f"The certificate expires in {days} days: renew it.")
    return Finding(
        True, "certificate", f"The certificate covers *.{domain} until {expires:%Y-%m-%d}."
    )


def _mismatch(exc, address, port, name, domain, cafile) -> str:
    if exc.verify_code != 62:  # X509_V_ERR_HOSTNAME_MISMATCH: the chain itself is not trusted
        return f"The certificate of {name} is not trusted: {exc.verify_message}."
    context = ssl.create_default_context(cafile=cafile)
    context.check_hostname = False
    names = [v for k, v in _peer(address, port, name, context, 5).get("subjectAltName", ())]
    return (
        f"The certificate does not cover *.{domain} (it names {', '.join(names) or 'no host'}). "
        f"Get one with *.{domain} in its subjectAltName."
    )
