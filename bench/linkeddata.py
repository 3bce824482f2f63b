# ruff: noqa: E501  (report lines read better unwrapped)
"""Linked data: SPARQL over HTTP against the same queries in-process; dumps against the store's dump.

Synthetic data goes straight into the store (``--triples``, default 1M): books with titles,
creators, subjects, dates and holding libraries, each in its own named graph like the real
documents. Then:

1. a fixed mix of SPARQL queries (lookups, joins, ORDER BY … LIMIT, an aggregate, ASK,
   CONSTRUCT) through ``/sparql`` on a live node (uvicorn, loopback, the worker pool with its
   timeout and limits) — p50/p95 — against the same queries run in-process on a read-only
   snapshot and written by the same result writer (the limit any endpoint on this store meets);
2. the dumps (gzip N-Triples and Turtle, VoID) — triples/s — against the store's own
   serialization of the same data (``Store.dump`` as N-Quads, uncompressed).

Last line: JSON (ratio = in-process p50 / HTTP p50; extra fields: p95s, dump ratio).
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import report, setup_django  # noqa: E402
from search_engines import percentile  # noqa: E402

TRIPLES_PER_BOOK = 12
BASE = "http://127.0.0.1:8000"
SCHEMA = "https://schema.org/"
DCT = "http://purl.org/dc/terms/"
PREFIXES = f"PREFIX schema: <{SCHEMA}> PREFIX dct: <{DCT}> "


def generate(store, books: int, seed: int = 7) -> int:
    """Write ``books`` synthetic books (12 triples each) into ``store``; the triple count."""
    import pyoxigraph as ox

    rng = random.Random(seed)
    rdf_type = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    n = {
        name: ox.NamedNode(SCHEMA + name)
        for name in ("Book", "Person", "Library", "name", "isbn", "holdingArchive")
    }
    d = {
        name: ox.NamedNode(DCT + name)
        for name in ("title", "creator", "subject", "date", "language", "publisher")
    }
    people = [ox.NamedNode(f"{BASE}/ld/person/p{i}/") for i in range(max(10, books // 20))]
    subjects = [ox.NamedNode(f"{BASE}/ld/subject/s{i}/") for i in range(500)]
    libraries = [ox.NamedNode(f"{BASE}/network/L{i:03d}/") for i in range(300)]
    chunk = []
    for i in range(books):
        book = ox.NamedNode(f"{BASE}/resources/{i}/")
        person = rng.choice(people)
        rows = [
            (book, rdf_type, n["Book"]),
            (book, d["title"], ox.Literal(f"书名 {i}", language="zh-hans")),
            (book, n["name"], ox.Literal(f"书名 {i}", language="zh-hans")),
            (book, d["creator"], person),
            (person, rdf_type, n["Person"]),
            (person, n["name"], ox.Literal(f"作者 {person.value.rsplit('/', 2)[1]}")),
            (book, d["subject"], rng.choice(subjects)),
            (book, d["subject"], rng.choice(subjects)),
            (
                book,
                d["date"],
                ox.Literal(
                    str(1900 + rng.randrange(125)),
                    datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYear"),
                ),
            ),
            (book, d["language"], ox.Literal("zh")),
            (book, n["isbn"], ox.Literal(f"978{i:010d}")),
            (book, n["holdingArchive"], rng.choice(libraries)),
        ]
        chunk.extend(ox.Quad(s, p, o, book) for s, p, o in rows)
        if len(chunk) >= 120_000:
            store.bulk_extend(chunk)
            chunk = []
    store.bulk_extend(chunk)
    return books * TRIPLES_PER_BOOK


def query_mix(books: int, count: int, seed: int = 11) -> list[tuple[str, str]]:
    """(name, query) pairs: the same fixed, seeded mix for both sides."""
    rng = random.Random(seed)
    people, mix = max(10, books // 20), []
    for index in range(count):
        i = rng.randrange(books)
        kind = index % 6
        if kind == 0:
            mix.append(
                (
                    "title lookup",
                    PREFIXES + f'SELECT ?s WHERE {{ ?s schema:name "书名 {i}"@zh-hans }}',
                )
            )
        elif kind == 1:
            mix.append(
                (
                    "books of a person",
                    PREFIXES
                    + f"SELECT ?s ?t WHERE {{ ?s dct:creator <{BASE}/ld/person/p{i % people}/> ; dct:title ?t }} LIMIT 50",
                )
            )
        elif kind == 2:
            mix.append(
                (
                    "subject, newest first",
                    PREFIXES
                    + f"SELECT ?s ?d WHERE {{ ?s dct:subject <{BASE}/ld/subject/s{i % 500}/> ; dct:date ?d }} ORDER BY DESC(?d) LIMIT 20",
                )
            )
        elif kind == 3:
            mix.append(
                (
                    "books per library (one)",
                    PREFIXES
                    + f"SELECT (COUNT(?s) AS ?n) WHERE {{ ?s schema:holdingArchive <{BASE}/network/L{i % 300:03d}/> }}",
                )
            )
        elif kind == 4:
            mix.append(("ask", PREFIXES + f"ASK {{ <{BASE}/resources/{i}/> a schema:Book }}"))
        else:
            mix.append(
                (
                    "describe",
                    f"CONSTRUCT {{ <{BASE}/resources/{i}/> ?p ?o }} WHERE {{ <{BASE}/resources/{i}/> ?p ?o }}",
                )
            )
    return mix


def in_process(snapshot: str, mix) -> list[float]:
    import pyoxigraph as ox

    from shuxiang.linkeddata.sparql_worker import answer

    store = ox.Store.read_only(snapshot)
    request = {
        "limit": 10_000,
        "select_media": "application/sparql-results+json",
        "boolean_media": "application/sparql-results+json",
        "graph_media": "text/turtle",
    }
    samples = []
    for _, query in mix:
        start = time.perf_counter()
        answer(store, {**request, "query": query})
        samples.append(time.perf_counter() - start)
    return samples


def over_http(base: str, mix) -> list[float]:
    import requests

    session, samples = requests.Session(), []
    for _, query in mix:
        start = time.perf_counter()
        response = session.get(
            f"{base}/sparql",
            params={"query": query},
            headers={"Accept": "application/sparql-results+json, text/turtle"},
        )
        response.raise_for_status()
        samples.append(time.perf_counter() - start)
    return samples


def dump_rates(triples: int) -> tuple[float, float]:
    import pyoxigraph as ox

    from shuxiang.linkeddata import dumps, store

    start = time.perf_counter()
    dumps.write_all()
    ours = time.perf_counter() - start
    snapshot = store.open_snapshot()
    with tempfile.NamedTemporaryFile(suffix=".nq") as target:
        start = time.perf_counter()
        snapshot.dump(target.name, ox.RdfFormat.N_QUADS)
        theirs = time.perf_counter() - start
    # Ours writes the data twice (N-Triples and Turtle), so its rate counts both files.
    return 2 * triples / ours, triples / theirs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--triples", type=int, default=1_000_000, help="Synthetic triples in the store."
    )
    parser.add_argument(
        "--queries", type=int, default=300, help="Queries in the mix (each side runs all)."
    )
    args = parser.parse_args()
    setup_django(keep_database_url=False)
    os.environ["SHUXIANG_SPARQL_WORKERS"] = "1"
    from search_http import serve_django

    from shuxiang.linkeddata import store

    books = max(1, args.triples // TRIPLES_PER_BOOK)
    start = time.perf_counter()
    with store.writing() as primary:
        triples = generate(primary, books)
    print(
        f"store: {triples:,} triples in {books:,} documents, loaded in {time.perf_counter() - start:.1f} s"
    )
    mix = query_mix(books, args.queries)
    snapshot = str(store.current_snapshot())
    in_process(snapshot, mix[:12])  # warm the caches of both sides alike
    server, base = serve_django()
    over_http(base, mix[:12])
    local = in_process(snapshot, mix)
    remote = over_http(base, mix)
    server.should_exit = True
    by_kind: dict[str, list[tuple[float, float]]] = {}
    for (name, _), a, b in zip(mix, local, remote, strict=True):
        by_kind.setdefault(name, []).append((a, b))
    for name, pairs in by_kind.items():
        print(
            f"  {name:26s} in-process p50 {1000 * percentile([a for a, _ in pairs], 0.5):8.2f} ms   HTTP p50 {1000 * percentile([b for _, b in pairs], 0.5):8.2f} ms"
        )
    p50_local, p95_local = percentile(local, 0.5), percentile(local, 0.95)
    p50_http, p95_http = percentile(remote, 0.5), percentile(remote, 0.95)
    print(
        f"mix of {len(mix)}: in-process p50 {1000 * p50_local:.2f} ms p95 {1000 * p95_local:.2f} ms; HTTP p50 {1000 * p50_http:.2f} ms p95 {1000 * p95_http:.2f} ms"
    )
    ours, theirs = dump_rates(triples)
    print(
        f"dumps: {ours:,.0f} triples/s (gzip N-Triples + Turtle) vs store's own N-Quads dump {theirs:,.0f} triples/s ({ours / theirs:.2f}x)"
    )
    report(
        "linkeddata",
        "SPARQL p50 over HTTP",
        1000 * p50_http,
        "same queries in-process on the store",
        1000 * p50_local,
        "ms",
        higher_is_better=False,
        triples=triples,
        p95_http_ms=round(1000 * p95_http, 2),
        p95_in_process_ms=round(1000 * p95_local, 2),
        p95_ratio=round(p95_local / p95_http, 2),
        dump_triples_per_s=round(ours),
        store_dump_triples_per_s=round(theirs),
        dump_ratio=round(ours / theirs, 2),
    )


if __name__ == "__main__":
    main()
