"""Redirect URIs of OIDC client systems, parsed rather than prefix-matched.

A client may be sent back to ``https://`` addresses, or to a loopback address exactly as
RFC 8252 §7.3 writes it for native apps: ``http://127.0.0.1:<port>/…`` or ``http://[::1]:<port>/…``
(the port may change per request). Everything that makes one URI read as another is refused:
user information before ``@``, fragments (RFC 6749 §3.1.2), upper case, a trailing dot, non-ASCII
host names (write the ``xn--`` form), backslashes, white space, ``localhost`` (RFC 8252 §8.3).
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from django.utils.translation import gettext as _

from shuxiang.core.errors import FieldError

LOOPBACK_HOSTS = {"127.0.0.1", "[::1]"}
LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?", re.ASCII)
PORT = re.compile(r"[0-9]{1,5}", re.ASCII)
AUTHORITY = re.compile(r"(?P<host>\[[^\]]*\]|[^:]*)(?::(?P<port>.*))?", re.ASCII)


def _host_name_ok(host: str) -> bool:
    if host.startswith("["):
        return _ip_literal(host) is not None
    labels = host.split(".")
    return len(host) <= 253 and all(LABEL.fullmatch(label) for label in labels)


def _ip_literal(host: str):
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def problem(uri: str) -> str | None:
    """Why ``uri`` cannot be a redirect URI, or None when it can."""
    if not uri.isascii() or not uri.isprintable() or " " in uri:
        return _("write it in ASCII without spaces (an international host name in its xn-- form)")
    if "\\" in uri:
        return _("a backslash is not allowed")
    if "#" in uri:
        return _("a fragment (#…) is not allowed")
    try:
        parts = urlsplit(uri)
    except ValueError:
        return _("it is not a valid URL")
    if parts.scheme not in {"https", "http"}:
        return _("use https (plain http only for 127.0.0.1 or [::1] on this machine)")
    if "@" in parts.netloc:
        return _("user information before @ is not allowed")
    authority = AUTHORITY.fullmatch(parts.netloc)
    host, port = authority["host"], authority["port"]
    if not host:
        return _("give a host name")
    if host != host.lower():
        return _("write the host name in lower case")
    if host.endswith("."):
        return _("remove the trailing dot from the host name")
    if port is not None and not (PORT.fullmatch(port) and 0 < int(port) < 65536):
        return _("the port must be a number from 1 to 65535")
    if parts.scheme == "http" and host not in LOOPBACK_HOSTS:
        return _(
            "plain http is allowed only for http://127.0.0.1:<port>/… or http://[::1]:<port>/… "
            "(RFC 8252); other addresses must use https"
        )
    if not _host_name_ok(host):
        return _("the host name is not a valid DNS name or IP address")
    return None


def uri_errors(uris: list[str], field: str) -> list[FieldError]:
    """One field error per unacceptable URI, naming it and the reason."""
    errors = []
    for index, uri in enumerate(uris):
        reason = problem(uri)
        if reason is not None:
            message = _("%(uri)s cannot be a redirect URI: %(reason)s.") % {
                "uri": uri,
                "reason": reason,
            }
            errors.append(FieldError(f"{field}[{index}]", message, "redirect_uri"))
    return errors
