"""The RDF store behind ``/sparql`` and the dumps (pyoxigraph on RocksDB, in the data folder).

One process writes at a time (a file lock) into the primary store; each write ends by publishing
a snapshot (a RocksDB checkpoint: hard links, cheap) that readers open read-only, because opening
a store read-only while another process writes it is undefined behaviour. Each entity's
description is the named graph of its URI, so refreshing one entity replaces one graph; SPARQL
queries see the union of the graphs as their default graph.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pyoxigraph
from django.conf import settings
from rdflib import Graph

from shuxiang.core import options

KEEP_SNAPSHOTS = 3


def folder() -> Path:
    """Where the store, its snapshots and the dumps live."""
    configured = options.value("LINKEDDATA_DIR")
    path = Path(configured) if configured else Path(settings.DATA_DIR) / "linkeddata"
    path.mkdir(parents=True, exist_ok=True)
    return path


def current_snapshot() -> Path | None:
    """The newest published snapshot, or None when the store was never built."""
    pointer = folder() / "current"
    try:
        name = pointer.read_text().strip()
    except FileNotFoundError:
        return None
    snapshot = folder() / "snapshots" / name
    return snapshot if snapshot.is_dir() else None


def exists() -> bool:
    return current_snapshot() is not None


@contextmanager
def writing() -> Iterator[pyoxigraph.Store]:
    """The primary store, opened by this process alone; a snapshot is published on success."""
    base = folder()
    with open(base / "write.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        store = pyoxigraph.Store(str(base / "primary"))
        try:
            yield store
            store.flush()
            _publish(store, base)
        finally:
            del store


def _publish(store: pyoxigraph.Store, base: Path) -> None:
    snapshots = base / "snapshots"
    snapshots.mkdir(exist_ok=True)
    name = str(time.time_ns())
    store.backup(str(snapshots / name))
    temporary = base / "current.tmp"
    temporary.write_text(name)
    os.replace(temporary, base / "current")
    for old in sorted(snapshots.iterdir(), key=lambda p: int(p.name))[:-KEEP_SNAPSHOTS]:
        shutil.rmtree(old, ignore_errors=True)


def _load(store: pyoxigraph.Store, uri: str, graph: Graph) -> None:
    data = graph.serialize(format="nt", encoding="utf-8")
    store.load(data, pyoxigraph.RdfFormat.N_TRIPLES, to_graph=pyoxigraph.NamedNode(uri))


def replace_documents(documents: Iterable[tuple[str, Graph | None]]) -> int:
    """Replace each document's named graph (None removes it); how many were written."""
    count = 0
    with writing() as store:
        for uri, graph in documents:
            name = pyoxigraph.NamedNode(uri)
            if store.contains_named_graph(name):
                store.remove_graph(name)
            if graph is not None and len(graph):
                _load(store, uri, graph)
            count += 1
    return count


def rebuild(documents: Iterable[tuple[str, Graph]]) -> int:
    """Empty the store and load every document; how many documents were loaded."""
    count = 0
    with writing() as store:
        store.clear()
        for uri, graph in documents:
            _load(store, uri, graph)
            count += 1
    return count


def open_snapshot() -> pyoxigraph.Store | None:
    """A read-only handle on the newest snapshot (None when there is none yet)."""
    snapshot = current_snapshot()
    return None if snapshot is None else pyoxigraph.Store.read_only(str(snapshot))
