"""Seams other apps plug into from their ``AppConfig.ready`` (identifiers imports none of them).

- ``prefix_guards``: called with a sub-prefix before a new identifier is named under it; a
  guard raises a ``ServiceError`` to refuse (the federation app refuses prefixes this node was
  not delegated, or that it delegated to a child).
- ``change_listeners``: called with the names whose resolve rows were just written, inside the
  writing transaction (the federation app queues a report to the parent node).
- ``remote_lookups``: asked, in order, for a name the resolve table does not hold; each
  answers a resolve row ``(status, target, etag, record)`` or ``None`` (the federation app
  asks the child node that owns the name's delegated prefix, through a cache).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

prefix_guards: list[Callable[[str], None]] = []
change_listeners: list[Callable[[list[str]], None]] = []
remote_lookups: list[Callable[[str], tuple | None]] = []


def guard_prefix(subprefix: str) -> None:
    """Let every guard refuse naming identifiers under ``subprefix``."""
    for guard in prefix_guards:
        guard(subprefix)


def changed(names: Iterable[str]) -> None:
    """Tell the listeners that these identifiers' resolve rows changed."""
    names = list(names)
    if names:
        for listener in change_listeners:
            listener(names)


def look_up_elsewhere(name: str) -> tuple | None:
    """The first resolve row a remote lookup finds for ``name``, else None."""
    for lookup in remote_lookups:
        row = lookup(name)
        if row is not None:
            return row
    return None
