# ruff: noqa: E501  (report lines read better unwrapped)
"""Server-mode search at scale, resumable: a persistent PostgreSQL corpus, then the query mix.

The corpus (bench/catalog_corpus.py, the same records as bench/search.py) is stored in its
own database and kept: a run that is stopped resumes storing and indexing where it left off,
and later runs (after a change to the backend) only measure. Each query of the mix is timed
on the backend (ranking, capped total, facets) and through the search service (plus works,
hydration, highlights), and the slowest queries are listed with their timings.

    .venv/bin/python bench/search_scale.py --records 1000000
    .venv/bin/python bench/search_scale.py --records 1000000 --db postgresql://postgres@127.0.0.1:5432/sx_search_bench
    .venv/bin/python bench/search_scale.py --records 1000000 --backends groonga  # Groonga only

``--backends groonga`` loads the same stored tokens into a Groonga server (started here on a
database kept under /var/tmp, or ``--groonga-url``) and times the same mix on it: Groonga's
own query cache is off (``cache=no``); like the PostgreSQL backend it keeps broad answers in
the shared summaries of the index generation, so its first call after an index change is
timed apart (``--every-call-first`` times it with no summary at all, every call a first one).
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from multiprocessing import Pool
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalog_corpus import generate  # noqa: E402
from search import _analyze  # noqa: E402
from search_engines import MIX, percentile, timed  # noqa: E402

BATCH = 5000


def setup(db_url: str) -> None:
    import tempfile

    import psycopg

    admin, name = db_url.rsplit("/", 1)
    with psycopg.connect(f"{admin}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    os.environ["SHUXIANG_DATABASE_URL"] = db_url
    os.environ["SHUXIANG_DATA_DIR"] = tempfile.mkdtemp(prefix="shuxiang-scale-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuxiang.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def store(count: int) -> None:
    """Store records g0..g<count-1>, skipping those already there (resumable)."""
    from django.db import transaction
    from django.utils import timezone

    from shuxiang.catalog.models import Record, Source
    from shuxiang.catalog.normalize import fold
    from shuxiang.network.divisions import load_divisions
    from shuxiang.network.models import Library
    from shuxiang.network.tests.factories import small_network

    if not Library.objects.exists():
        load_divisions(progress=False)
        small_network()
    libraries = list(Library.objects.order_by("code"))
    source, _ = Source.objects.get_or_create(
        key="bench", defaults={"name": "Generated", "kind": "generated"}
    )
    have = Record.objects.filter(source=source).count()
    if have >= count:
        return
    stamp, started = timezone.now().replace(microsecond=0), time.time()
    rows = itertools.islice(generate(count), have, None)
    for start in range(have, count, BATCH):
        batch = []
        for n, fields in zip(range(start, min(start + BATCH, count)), rows, strict=False):
            library = libraries[n % len(libraries)]
            batch.append(Record(
                source=source, local_id=fields["local_id"], format="native", payload="",
                datestamp=stamp, library=library, access_policy=fields["access_policy"],
                title=fields["title"], title_folded=fold(fields["title"])[:200],
                creators=fields["creators"], subjects=fields["subjects"],
                description=fields["description"], publisher=fields["publisher"],
                date=fields["date"], year=fields["year"], language=fields["language"],
                type=fields["type"], collection=fields["collection"],
                identifiers=[fields["isbn"]] if fields["isbn"] else [], isbn=fields["isbn"],
            ))  # fmt: skip
        with transaction.atomic():
            Record.objects.bulk_create(batch)
        print(
            f"\rstored {start + len(batch):,}/{count:,} ({time.time() - started:.0f}s)",
            end="",
            flush=True,
        )
    print()


COLUMNS = (
    "id", "library__code", "library__path", "title", "title_folded", "creators", "subjects",
    "description", "publisher", "collection", "identifiers", "type", "language", "year",
    "access_policy",
)  # fmt: skip


def index(workers: int) -> float:
    """Analyze and store the search text of every record that has none yet (resumable).

    Worker processes only analyze (no database: a forked connection is shared); this process
    reads the rows and stores the text, 20,000 records at a time."""
    from django.db import connection

    from shuxiang.catalog.models import Record
    from shuxiang.catalog.search import analysis
    from shuxiang.catalog.search.postgres_backend import _update, search_text_of

    analysis.tokens("预热")  # load the dictionary before forking
    todo = Record.objects.filter(search_text="").count()
    if not todo:
        return 0.0
    started, done = time.perf_counter(), 0
    dropped = _drop_fulltext_indexes() if todo > 50_000 else []
    with Pool(workers) as pool:
        while True:
            rows = list(
                Record.objects.filter(search_text="").order_by("id").values_list(*COLUMNS)[:20_000]
            )
            if not rows:
                break
            chunks = [rows[i : i + 1000] for i in range(0, len(rows), 1000)]
            for docs in pool.imap(_analyze, chunks):
                _update([(doc["id"], search_text_of(doc)) for doc in docs])
            done += len(rows)
            print(f"\rindexed {done:,}/{todo:,}", end="", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '512MB'")
        for definition in dropped:  # built once over the whole table, not row by row
            cursor.execute(definition)
        cursor.execute("VACUUM ANALYZE catalog_record")
    rate = done / (time.perf_counter() - started)
    print(
        f"\nindexing (analysis, storing the search text, building the GIN and RUM indexes, {workers} processes): {rate:,.0f} records/s"
    )
    return rate


def _drop_fulltext_indexes() -> list[str]:
    """Drop the full-text indexes before a bulk fill; their definitions, to make them after."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'catalog_record' "
            "AND indexdef ~ 'USING (gin|rum)'"
        )
        found = cursor.fetchall()
        for name, _definition in found:
            cursor.execute(f'DROP INDEX "{name}"')
    return [definition for _name, definition in found]


def _line(label: str, samples: list[float]) -> str:
    return f"  {label:34s} p50 {percentile(samples, 0.5):8.1f} ms   p95 {percentile(samples, 0.95):8.1f} ms"


def peers(records: int, rounds: int) -> dict[str, list[float]]:
    """Tantivy (embedded engine), SQLite FTS5 and plain PostgreSQL full-text over the same
    stored tokens; the tantivy and FTS5 indexes are kept under /var/tmp for later runs."""
    from search_engines import Fts5
    from search_peers import PlainPostgres, built, documents

    from shuxiang.catalog.search.analysis import query_tokens
    from shuxiang.catalog.search.base import SearchQuery, Visibility
    from shuxiang.catalog.search.tantivy_backend import TantivyBackend

    folder = Path(f"/var/tmp/sx_search_scale_{records}")
    folder.mkdir(exist_ok=True)
    engine = TantivyBackend(folder / "tantivy")

    def build_tantivy() -> float:
        engine.clear()
        start = time.perf_counter()
        count = engine.bulk_documents(documents())
        return count / (time.perf_counter() - start)

    def build_fts() -> float:
        (folder / "fts.sqlite3").unlink(missing_ok=True)
        start = time.perf_counter()
        count = Fts5(folder / "fts.sqlite3").index(documents())
        return count / (time.perf_counter() - start)

    for name, build in (("tantivy", build_tantivy), ("fts5", build_fts)):
        rate = built(folder / f"{name}.done", build)
        print(
            f"{name} indexing: {'kept from an earlier run' if rate is None else f'{rate:,.0f} records/s'}"
        )
    fts, plain = Fts5.__new__(Fts5), PlainPostgres()
    import sqlite3

    fts.db = sqlite3.connect(str(folder / "fts.sqlite3"))
    runs = {
        "tantivy (embedded backend)": lambda item: engine.search(
            SearchQuery(
                text=item["q"],
                filters=item.get("filters", {}),
                sort=item.get("sort", "relevance"),
                visibility=Visibility(),
            )
        ),
        "SQLite FTS5 (baseline)": lambda item: fts.search(
            query_tokens(item["q"]), item.get("filters", {}), item.get("sort", "")
        ),
        "plain PostgreSQL FTS (baseline)": plain.search,
    }
    found = {}
    for label, run in runs.items():
        found[label] = [
            s for item in MIX for s in timed(lambda item=item, run=run: run(item), rounds)
        ]
    from shuxiang.catalog.search import base

    base.set_backend(engine)
    found["tantivy service (+works, hydration)"] = [
        s for item in MIX for s in timed(lambda item=item: _service(item), rounds)
    ]
    found["tantivy HTTP (JSON API)"] = http(rounds)
    base.set_backend(None)
    return found


def _service(item: dict):
    from shuxiang.catalog.search import service

    return service.search(
        actor=None, q=item["q"], filters=item.get("filters", {}), sort=item.get("sort")
    )


def measure(rounds: int, every_call_first: bool = False) -> None:
    """Time the mix on the backend and the service. The server-mode backend keeps summaries:
    its first call after an index change is timed apart (``every_call_first``: a backend
    without any kept state, where the first call is like the others)."""
    from shuxiang.catalog.search import service, summaries
    from shuxiang.catalog.search.base import SearchQuery, Visibility, get_backend

    backend = get_backend()
    rows, cold = [], []
    for item in MIX:

        def raw(item=item):
            return backend.search(
                SearchQuery(
                    text=item["q"],
                    filters=item.get("filters", {}),
                    sort=item.get("sort", "relevance"),
                    visibility=Visibility(),
                )
            )

        def call(item=item):
            return service.search(
                actor=None, q=item["q"], filters=item.get("filters", {}), sort=item.get("sort")
            )

        if not every_call_first:
            summaries.changed()  # as after any change to the index: nothing kept counts
        started = time.perf_counter()
        page = call()
        cold.append((time.perf_counter() - started) * 1000)
        raw_samples, service_samples = timed(raw, rounds), timed(call, rounds)
        rows.append((item, raw_samples, service_samples, page, cold[-1]))
    all_raw = [s for _, r, _, _, _ in rows for s in r]
    all_service = [s for _, _, s, _, _ in rows for s in s]
    print(
        f"backend {backend.name}: p50 {percentile(all_raw, 0.5):.1f} ms, p95 {percentile(all_raw, 0.95):.1f} ms"
    )
    print(
        f"service (with facets): p50 {percentile(all_service, 0.5):.1f} ms, p95 {percentile(all_service, 0.95):.1f} ms"
    )
    first = (
        "first call of each query"
        if every_call_first
        else "first call after an index change (broad queries' exact facets counted then)"
    )
    print(
        f"service, {first}: p50 {percentile(cold, 0.5):.1f} ms, p95 {percentile(cold, 0.95):.1f} ms, max {max(cold):.1f} ms"
    )
    for item, r, s, page, first in sorted(rows, key=lambda row: -percentile(row[2], 0.95)):
        print(
            f"  {str(item):52s} backend p95 {percentile(r, 0.95):7.1f}  service p95 {percentile(s, 0.95):7.1f}  first call {first:7.1f}  total {page.total:,}{'' if page.total_exact else '+'}  facets {'exact' if page.facets_exact else 'NOT exact'}"
        )
    print(f"load average: {os.getloadavg()}")


def http(rounds: int) -> list[float]:
    """The JSON search API of this node (server-mode backend) over HTTP on loopback."""
    import requests
    from search_http import http_call, serve_django

    server, url = serve_django()
    try:
        call = http_call(requests.Session(), url)
        return [s for item in MIX for s in timed(lambda item=item: call(item), rounds)]
    finally:
        server.should_exit = True


def groonga(records: int, rounds: int, url: str | None, every_call_first: bool = False) -> None:
    """The Groonga backend over the same stored tokens, on a server started here (database
    kept under /var/tmp for later runs) unless ``url``; then the mix, service and HTTP."""
    import requests
    from search_peers import built, documents

    from shuxiang.catalog.search import base
    from shuxiang.catalog.search.groonga_backend import GroongaBackend
    from shuxiang.catalog.tests import groonga_server

    folder, process = Path(f"/var/tmp/sx_search_scale_{records}/groonga"), None
    if url is None:
        folder.mkdir(parents=True, exist_ok=True)
        process, url = groonga_server.start(folder)
    try:
        engine = GroongaBackend(url)

        def build() -> float:
            engine.clear()
            start = time.perf_counter()
            count = engine.bulk_documents(documents())
            return count / (time.perf_counter() - start)

        rate = built(folder / "groonga.done", build) if process else build()
        print(
            f"groonga indexing (loading the stored tokens, {records:,} records): {'kept from an earlier run' if rate is None else f'{rate:,.0f} records/s'}"
        )
        base.set_backend(engine)
        if every_call_first:  # keep nothing: every call counts over every match
            from shuxiang.catalog.search import groonga_backend, summaries

            groonga_backend.KEEP_FROM = float("inf")
            summaries.changed_now()  # nor read what an earlier run kept
        before = requests.get(f"{url}/d/status").json()[1]
        measure(rounds, every_call_first=every_call_first)
        print(_line("groonga HTTP (JSON API)", http(rounds)))
        after = requests.get(f"{url}/d/status").json()[1]
        print(
            f"groonga: {after['n_queries'] - before['n_queries']:,} queries, cache hit rate {after['cache_hit_rate']:.3f} (cache=no on every select)"
        )
        print(f"load average: {os.getloadavg()}")
    finally:
        base.set_backend(None)
        if process is not None:
            groonga_server.stop(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--db", default="postgresql://postgres@127.0.0.1:5432/sx_search_bench")
    parser.add_argument("--only-build", action="store_true")
    parser.add_argument("--peers", action="store_true", help="also tantivy, FTS5, plain PostgreSQL")
    parser.add_argument("--peer-rounds", type=int, help="rounds for the peers (default: --rounds)")
    parser.add_argument(
        "--backends", default="postgres", help="comma-separated: postgres (server mode), groonga"
    )
    parser.add_argument("--groonga-url", help="an existing Groonga server (default: start one)")
    parser.add_argument(
        "--every-call-first",
        action="store_true",
        help="Groonga without the shared summaries: every call counts over every match",
    )
    args = parser.parse_args()
    setup(args.db)
    store(args.records)
    index(args.workers)
    backends = args.backends.split(",")
    if not args.only_build:
        if "postgres" in backends:
            measure(args.rounds)
            print(_line("server-mode HTTP (JSON API)", http(args.rounds)))
        if "groonga" in backends:
            groonga(args.records, args.rounds, args.groonga_url, args.every_call_first)
        if args.peers:
            for label, samples in peers(args.records, args.peer_rounds or args.rounds).items():
                print(_line(label, samples))
            print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
