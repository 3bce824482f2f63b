"""Counting failed logins (wrong passwords and wrong one-time codes) and locking guessers out.

Like Keycloak's brute-force detection, failures are counted under three keys:

- the account *from one source* (client address): after ``LOGIN_FAILURE_LIMIT`` failures that
  source is locked out of that account for ``LOGIN_LOCKOUT_MINUTES``, doubling with every
  further failure up to ``LOGIN_LOCKOUT_MAX_MINUTES``. Another source (the reader at home) is
  not affected, so a guesser cannot keep the reader out;
- the *source* across all accounts (``LOGIN_IP_FAILURE_LIMIT``): password spraying;
- the *account* across all sources (``LOGIN_ACCOUNT_FAILURE_LIMIT``, much higher): guessing
  spread over many addresses. Sources the account logged in from before are exempt, so even
  a botnet cannot lock the reader out of their usual place.

Only a complete login (password and, for staff, the one-time code) clears the account's
counters; a right password alone does not. Counters live in a pluggable store
(``settings.LOGIN_LOCKOUT_STORE``): a database table in the embedded default, Redis in server
mode — both survive restarts and are shared by every worker.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from shuxiang.core import options
from shuxiang.core.errors import FieldError, ServiceError

KNOWN_SOURCE_DAYS = 90


def _now() -> float:
    """The clock of every lockout decision (epoch seconds)."""
    return time.time()


def _moment() -> dt.datetime:
    return dt.datetime.fromtimestamp(_now(), tz=dt.UTC)


class LockedOut(ServiceError):
    """Too many failed logins; the message says when to try again."""

    status = 429


class LoginUnavailable(ServiceError):
    """The lockout store cannot be reached: logins are refused rather than left unguarded."""

    status = 503


@dataclass(frozen=True)
class Entry:
    count: int
    last: float  # epoch seconds of the last failure


class LockoutStore:
    """Where failure counters live. ``unavailable`` errors are raised as LoginUnavailable."""

    def read(self, keys: list[str]) -> dict[str, Entry]:
        raise NotImplementedError

    def fail(self, keys: list[str], ttl: int) -> None:
        """Add one failure to each key (now); forget the key ``ttl`` seconds after it."""
        raise NotImplementedError

    def clear(self, keys: list[str]) -> None:
        raise NotImplementedError

    def mark(self, key: str, ttl: int) -> None:
        """Remember ``key`` for ``ttl`` seconds (a source the account logged in from)."""
        raise NotImplementedError

    def marked(self, key: str) -> bool:
        raise NotImplementedError


class DatabaseStore(LockoutStore):
    """Counters in the ``LoginFailure`` table (embedded default; also works on PostgreSQL)."""

    def _rows(self):
        from shuxiang.accounts.models import LoginFailure

        return LoginFailure.objects

    def read(self, keys):
        rows = self._rows().filter(key__in=keys, expires_at__gt=_moment())
        return {row.key: Entry(row.count, row.last_failed_at.timestamp()) for row in rows}

    def fail(self, keys, ttl):
        now = _moment()
        expires = now + dt.timedelta(seconds=ttl)
        self._rows().filter(expires_at__lte=now).exclude(key__in=keys).delete()
        for key in keys:
            with transaction.atomic():
                rows = self._rows().filter(key=key)
                rows.filter(expires_at__lte=now).update(count=0)
                if not rows.update(count=F("count") + 1, last_failed_at=now, expires_at=expires):
                    try:
                        with transaction.atomic():
                            self._rows().create(
                                key=key, count=1, last_failed_at=now, expires_at=expires
                            )
                    except IntegrityError:  # another worker created it meanwhile
                        rows.update(count=F("count") + 1, last_failed_at=now, expires_at=expires)

    def clear(self, keys):
        self._rows().filter(key__in=keys).delete()

    def mark(self, key, ttl):
        now = _moment()
        self._rows().update_or_create(
            key=key,
            defaults={"count": 0, "last_failed_at": now, "expires_at": now + dt.timedelta(0, ttl)},
        )

    def marked(self, key):
        return self._rows().filter(key=key, expires_at__gt=_moment()).exists()


class RedisStore(LockoutStore):
    """Counters in Redis hashes (server mode); an outage raises LoginUnavailable."""

    def __init__(self, url: str | None = None) -> None:
        import redis

        self.url = url or settings.LOGIN_LOCKOUT_REDIS_URL
        self.client = redis.Redis.from_url(self.url, socket_timeout=2, socket_connect_timeout=2)
        self.errors = (redis.exceptions.RedisError, OSError)
        self.prefix = settings.LOGIN_LOCKOUT_KEY_PREFIX

    def _guard(self, action):
        try:
            return action()
        except self.errors as exc:
            raise _unavailable() from exc

    def read(self, keys):
        def action():
            pipe = self.client.pipeline(transaction=False)
            for key in keys:
                pipe.hmget(self.prefix + key, "count", "last")
            return pipe.execute()

        found = self._guard(action)
        return {
            key: Entry(int(count), float(last))
            for key, (count, last) in zip(keys, found, strict=True)
            if count is not None
        }

    def fail(self, keys, ttl):
        def action():
            pipe = self.client.pipeline(transaction=True)
            for key in keys:
                pipe.hincrby(self.prefix + key, "count", 1)
                pipe.hset(self.prefix + key, "last", repr(_now()))
                pipe.expire(self.prefix + key, ttl)
            pipe.execute()

        self._guard(action)

    def clear(self, keys):
        self._guard(lambda: self.client.delete(*[self.prefix + key for key in keys]))

    def mark(self, key, ttl):
        self._guard(lambda: self.client.set(self.prefix + key, "1", ex=ttl))

    def marked(self, key):
        return bool(self._guard(lambda: self.client.exists(self.prefix + key)))


def _unavailable() -> LoginUnavailable:
    reason = _("Logging in is unavailable for a moment (the login guard cannot be reached).")
    return LoginUnavailable(reason, [FieldError("identifier", reason, "unavailable")])


_stores: dict[tuple[str, str], LockoutStore] = {}


def store() -> LockoutStore:
    """The configured store (one instance per dotted path, key prefix and process)."""
    path = settings.LOGIN_LOCKOUT_STORE
    key = (path, settings.LOGIN_LOCKOUT_KEY_PREFIX)
    if key not in _stores:
        _stores[key] = import_string(path)()
    return _stores[key]


def _limits() -> dict[str, int]:
    return {
        "source_account": options.value("LOGIN_FAILURE_LIMIT"),
        "source": options.value("LOGIN_IP_FAILURE_LIMIT"),
        "account": options.value("LOGIN_ACCOUNT_FAILURE_LIMIT"),
    }


def _wait(count: int, limit: int) -> int:
    """Seconds locked after ``count`` failures: base, doubling per extra failure, capped."""
    base = options.value("LOGIN_LOCKOUT_MINUTES") * 60
    cap = options.value("LOGIN_LOCKOUT_MAX_MINUTES") * 60
    return min(cap, base * 2 ** min(count - limit, 30))


def _ttl() -> int:
    return (
        options.value("LOGIN_LOCKOUT_MAX_MINUTES") * 60
        + options.value("LOGIN_FAILURE_RESET_HOURS") * 3600
    )


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def keys_for(accounts: list[str], source: str) -> dict[str, str]:
    """Counter keys of one attempt, by kind. ``accounts`` name accounts (or an unknown name)."""
    keys = {}
    for account in accounts:
        keys[f"a:{account}"] = "account"
        if source:
            keys[f"a:{account}:s:{_hash(source)}"] = "source_account"
    if source:
        keys[f"s:{_hash(source)}"] = "source"
    return keys


def _known(account: str, source: str) -> str:
    return f"k:{account}:s:{_hash(source)}"


def check(accounts: list[str], source: str) -> None:
    """Raise LockedOut when any counter of this attempt is over its limit and still waiting."""
    keys = keys_for(accounts, source)
    limits, now = _limits(), _now()
    for key, entry in store().read(list(keys)).items():
        kind = keys[key]
        limit = limits[kind]
        if entry.count < limit:
            continue
        remaining = entry.last + _wait(entry.count, limit) - now
        if remaining <= 0:
            continue
        if kind == "account" and source and store().marked(_known(key[2:], source)):
            continue
        raise _locked(kind, remaining)


def _locked(kind: str, remaining: float) -> LockedOut:
    # Stored times are rounded to microseconds: a wait of exactly 30 minutes may read as
    # 30 minutes and a fraction of a microsecond, which must not say "31 minutes".
    minutes = max(1, math.ceil(round(remaining, 3) / 60))
    if kind == "source":
        reason = _("Too many failed logins from your network. Try again in %(m)d minutes.")
    else:
        reason = _("Too many failed logins for this account. Try again in %(m)d minutes.")
    reason = reason % {"m": minutes}
    return LockedOut(reason, [FieldError("identifier", reason, "locked_out")])


def failed(accounts: list[str], source: str) -> None:
    """Count one failure (wrong password or wrong one-time code) on every key of the attempt."""
    store().fail(list(keys_for(accounts, source)), _ttl())


def succeeded(account: str, source: str) -> None:
    """A complete login: clear the account's counters and remember the source as known."""
    keys = [key for key, kind in keys_for([account], source).items() if kind != "source"]
    store().clear(keys)
    if source:
        store().mark(_known(account, source), KNOWN_SOURCE_DAYS * 24 * 3600)
