"""Test identifiers, registered through the real services."""

from __future__ import annotations

import hashlib
import itertools

from shuxiang.core.actors import SYSTEM
from shuxiang.identifiers import services

_numbers = itertools.count(1)


def fingerprint(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def registered(library, *, title: str | None = None, by=SYSTEM, **fields):
    """An active identifier for a resource ``library`` serves itself."""
    n = next(_numbers)
    data = {
        "location": f"https://res.example.org/{library.code}/{n}",
        "metadata": {"title": title or f"资源 {n}", "creator": "佚名", "date": "2020"},
        "rights": "© 本馆自建，版权所有",
        "fingerprint": fingerprint(f"object-{n}-{title}"),
        **fields,
    }
    return services.register_for_resource(library=library, by=by, **data)
