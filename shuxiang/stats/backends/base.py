"""What every statistics backend provides: durable append of raw events and the rollup queries.

A batch is column-oriented (one list per column, equal lengths) so engines can take it in bulk.
Rollup semantics are the same for every engine; only the SQL dialect and the raw source differ.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterable
from datetime import date

COLUMNS = (
    "ts",  # microseconds since the epoch, UTC
    "day",  # local calendar day, ISO string
    "hour",  # local hour 0-23
    "kind",
    "library",
    "resource_type",
    "channel",
    "reader",  # pseudonym ("" for anonymous)
    "item_id",
    "title",
)

Batch = dict[str, list]


def empty_batch() -> Batch:
    return {name: [] for name in COLUMNS}


def batch_len(batch: Batch) -> int:
    return len(batch["ts"])


def fingerprint(parts: Iterable[str]) -> str:
    """A short stable digest of the things that make up a day's raw data."""
    digest = hashlib.sha256()
    for part in sorted(parts):
        digest.update(part.encode())
        digest.update(b"\0")
    return digest.hexdigest()[:32]


class StatsBackend(ABC):
    """Raw event store plus the analytics engine that aggregates it."""

    @abstractmethod
    def append(self, batch: Batch) -> None:
        """Store ``batch`` durably; when this returns the events are acknowledged."""

    def append_rows(self, rows: list[tuple]) -> None:
        """Store rows given as tuples in ``COLUMNS`` order (durable when this returns)."""
        columns = zip(*rows, strict=True)
        self.append(dict(zip(COLUMNS, map(list, columns), strict=True)))

    def compact(self, before: date) -> int:
        """Merge small pieces of raw storage for days before ``before`` (nothing by default)."""
        return 0

    @abstractmethod
    def day_fingerprints(self) -> dict[date, str]:
        """For every day holding raw events, a digest that changes when its events change."""

    @abstractmethod
    def daily_rows(self, days: list[date], scopes: list[tuple[str, str]]) -> list[tuple]:
        """Rows (day, scope, subtree, resource_type, channel, kind, events, readers).

        ``scopes`` pairs each library code with every code whose subtree holds it (itself
        included); subtree rows count a library's events in each of those scopes.
        """

    @abstractmethod
    def hourly_rows(self, days: list[date], scopes: list[tuple[str, str]]) -> list[tuple]:
        """Rows (day, hour, scope, events) for the subtree of each scope."""

    @abstractmethod
    def item_rows(self, begin: date, end: date, libraries: list[str]) -> list[tuple]:
        """COUNTER usage of ``libraries``' events, one row per month × item × resource type:
        (month 'YYYY-MM', item_id, title, resource_type, searches, total investigations,
        total requests, unique investigations, unique requests, no_license denials,
        limit_exceeded denials). Unique counts distinct reader × day (COUNTER's user-session
        approximation); anonymous events count singly; denials count every refusal."""

    @abstractmethod
    def count(self, **equals: str) -> int:
        """Raw events matching every ``column=value`` (tests and checks)."""
