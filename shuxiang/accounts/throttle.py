"""Login throttling: failed attempts counted per account and per client IP in the cache.

After ``LOGIN_FAILURE_LIMIT`` failures for one account (or ``LOGIN_IP_FAILURE_LIMIT`` from one
IP) further attempts are refused, even with the right password, until the lockout ends.
"""

from __future__ import annotations

import time

from django.core.cache import cache
from django.utils.translation import gettext as _

from shuxiang.accounts import pii
from shuxiang.core import options
from shuxiang.core.errors import FieldError, ServiceError


class LockedOut(ServiceError):
    """Too many failed logins; the message says when to try again."""

    status = 429


def _window() -> int:
    return options.value("LOGIN_LOCKOUT_MINUTES") * 60


def _keys(identifier: str, ip: str | None) -> list[tuple[str, int, str]]:
    keys = [
        (
            "login-fail:acct:" + (pii.lookup_hash(identifier) or "-"),
            options.value("LOGIN_FAILURE_LIMIT"),
            "account",
        )
    ]
    if ip:
        keys.append(("login-fail:ip:" + ip, options.value("LOGIN_IP_FAILURE_LIMIT"), "ip"))
    return keys


def check(identifier: str, ip: str | None) -> None:
    """Raise LockedOut when the account or the IP is locked."""
    for key, limit, scope in _keys(identifier, ip):
        entry = cache.get(key)
        if entry and entry[0] >= limit:
            minutes = max(1, round((entry[1] + _window() - time.time()) / 60))
            if scope == "account":
                reason = _(
                    "Too many failed logins for this account. Try again in %(m)d minutes."
                ) % {"m": minutes}
            else:
                reason = _(
                    "Too many failed logins from your network. Try again in %(m)d minutes."
                ) % {"m": minutes}
            raise LockedOut(reason, [FieldError("identifier", reason, "locked_out")])


def failed(identifier: str, ip: str | None) -> None:
    """Count one failed attempt against the account and the IP."""
    for key, _limit, _scope in _keys(identifier, ip):
        entry = cache.get(key)
        count, started = (entry[0] + 1, entry[1]) if entry else (1, time.time())
        remaining = max(1, int(started + _window() - time.time()))
        cache.set(key, (count, started), remaining)


def succeeded(identifier: str) -> None:
    """A successful login clears the account's counter (not the IP's)."""
    cache.delete(_keys(identifier, None)[0][0])
