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
    covered = f"*.{domain}"
    return [*findings, _certificate(probe, addresses[0], port or 443, covered, cafile, timeout)]


def check_ports(
    host: str,
    ports: range,
    *,
    scheme: str = "https",
    cafile: str | None = None,
    resolver: Resolver = resolve,
    timeout: float = 5,
) -> list[Finding]:
    """Findings about proxy by port: the node's name resolves, its gateway ports answer, and
    with https its certificate (an ordinary one: ports do not matter to certificates) is good."""
    first, last = ports[0], ports[-1]
    findings = [
        Finding(
            True,
            "mode",
            f"Proxy by port: each vendor host gets a port of {first}-{last} on {host}. No "
            "wildcard DNS record or wildcard certificate is needed, but readers must reach "
            "these ports (open them in the firewall and any NAT).",
        )
    ]
    try:
        address = resolver(host)[0]
    except (OSError, UnicodeError, IndexError) as exc:
        return [*findings, Finding(False, "dns", f"{host} does not resolve ({exc}).")]
    findings.append(Finding(True, "dns", f"{host} resolves to {address}."))
    for port in sorted({first, last}):
        try:
            socket.create_connection((address, port), timeout=timeout).close()
        except OSError as exc:
            return [*findings, Finding(False, "ports", _closed(address, port, ports, exc))]
    findings.append(Finding(True, "ports", f"The gateway answers on {address}:{first}-{last}."))
    if scheme != "https":
        warning = "Gateway ports are served over plain http: readers' sessions travel in clear."
        return [*findings, Finding(False, "tls", warning)]
    return [*findings, _certificate(host, address, first, host, cafile, timeout)]


def _closed(address: str, port: int, ports: range, exc: OSError) -> str:
    return (
        f"Nothing answers on {address}:{port} ({exc}). Run `shuxiang serve` (uvicorn) or "
        f"`shuxiang proxy` with SHUXIANG_PROXY_MODE=port, and open ports "
        f"{ports[0]}-{ports[-1]} to readers."
    )


def _peer(address: str, port: int, name: str, context: ssl.SSLContext, timeout: float) -> dict:
    raw = socket.create_connection((address, port), timeout=timeout)
    with raw, context.wrap_socket(raw, server_hostname=name) as tls:
        return tls.getpeercert() or {}


def _certificate(name, address, port, covered, cafile, timeout) -> Finding:
    context = ssl.create_default_context(cafile=cafile)
    try:
        cert = _peer(address, port, name, context, timeout)
    except ssl.SSLCertVerificationError as exc:
        return Finding(False, "certificate", _mismatch(exc, address, port, name, covered, cafile))
    except (OSError, ssl.SSLError) as exc:
        return Finding(False, "tls", f"No TLS answer from {name} ({address}:{port}): {exc}.")
    expires = datetime.fromtimestamp(ssl.cert_time_to_seconds(cert["notAfter"]), UTC)
    days = (expires - datetime.now(UTC)).days
    if days < RENEW_DAYS:
        return Finding(False, "certificate", f"The certificate expires in {days} days: renew it.")
    return Finding(
        True, "certificate", f"The certificate covers {covered} until {expires:%Y-%m-%d}."
    )


def _mismatch(exc, address, port, name, covered, cafile) -> str:
    if exc.verify_code != 62:  # X509_V_ERR_HOSTNAME_MISMATCH: the chain itself is not trusted
        return f"The certificate of {name} is not trusted: {exc.verify_message}."
    context = ssl.create_default_context(cafile=cafile)
    context.check_hostname = False
    names = [v for k, v in _peer(address, port, name, context, 5).get("subjectAltName", ())]
    return (
        f"The certificate does not cover {covered} (it names {', '.join(names) or 'no host'}). "
        f"Get one with {covered} in its subjectAltName."
    )
