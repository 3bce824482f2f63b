# ruff: noqa: E501  (vocabulary tables, SQL and report lines read better unwrapped)
"""Search benchmark: tantivy (embedded) vs PostgreSQL full-text vs SQLite FTS5, plus harvest.

Generates N realistic Chinese/English records (bench/catalog_corpus.py), stores them in the
warehouse, analyzes them once (jieba, folding, stemming; timed on its own), then measures for
each engine the indexing rate and the latency (p50/p95) of a fixed query mix with facets. For
the embedded backend it also measures the whole search service call (hydration, highlights,
holdings) and the JSON API through HTTP on loopback. Finally it harvests H records from this
node's own /oai over HTTP and compares with merely fetching and parsing the same pages.

    .venv/bin/python bench/search.py --records 1000000
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import pickle
import shutil
import subprocess
import sys
import tempfile
import time
from multiprocessing import Pool
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from catalog_corpus import generate  # noqa: E402
from common import setup_django  # noqa: E402
from search_engines import MIX, Fts5, timed  # noqa: E402
from search_http import harvest_rates, http_call, serve_django  # noqa: E402
from search_report import summarize  # noqa: E402

HARVEST_LIBRARY = "620123"


def insert_records(count: int, harvest: int) -> None:
    """Store the generated records (bulk, as a loader would); ids run 1..count."""
    from shuxiang.catalog.models import Record, Source
    from shuxiang.catalog.normalize import fold
    from shuxiang.catalog.services import set_specs_for
    from shuxiang.network.divisions import load_divisions
    from shuxiang.network.models import Library
    from shuxiang.network.tests.factories import small_network

    if not Library.objects.exists():
        load_divisions(progress=False)
        small_network()
    libraries = list(Library.objects.order_by("code"))
    harvest_library = Library.objects.get(code=HARVEST_LIBRARY)
    others = [lib for lib in libraries if lib != harvest_library]
    source = Source.objects.create(key="bench", name="Generated", kind="generated")
    specs = {lib.pk: Record(library=lib) for lib in libraries}
    batch, now = [], time.time()
    from django.utils import timezone

    stamp = timezone.now().replace(microsecond=0)
    for n, fields in enumerate(generate(count)):
        library = harvest_library if n < harvest else others[n % len(others)]
        probe = specs[library.pk]
        probe.type, probe.collection = fields["type"], fields["collection"]
        batch.append(
            Record(
                source=source,
                local_id=fields["local_id"],
                format="native",
                payload="",
                datestamp=stamp,
                library=library,
                access_policy=fields["access_policy"],
                title=fields["title"],
                title_folded=fold(fields["title"])[:200],
                creators=fields["creators"],
                subjects=fields["subjects"],
                description=fields["description"],
                publisher=fields["publisher"],
                date=fields["date"],
                year=fields["year"],
                language=fields["language"],
                type=fields["type"],
                collection=fields["collection"],
                identifiers=[fields["isbn"]] if fields["isbn"] else [],
                isbn=fields["isbn"],
                set_specs="|" + "|".join(set_specs_for(probe)) + "|",
            )
        )
        if len(batch) >= 5000:
            Record.objects.bulk_create(batch)
            batch = []
    Record.objects.bulk_create(batch)
    print(f"stored {count:,} records in {time.time() - now:.1f}s")


def _analyze(rows: list[tuple]) -> list[dict]:
    from shuxiang.catalog.search.base import document_of

    docs = []
    for row in rows:
        (
            rid,
            code,
            path,
            title,
            folded,
            creators,
            subjects,
            desc,
            pub,
            coll,
            idents,
            typ,
            lang,
            year,
            access,
        ) = row
        record = SimpleNamespace(
            pk=rid,
            library=SimpleNamespace(code=code, path=path),
            title=title,
            title_folded=folded,
            creators=creators,
            subjects=subjects,
            description=desc,
            publisher=pub,
            collection=coll,
            identifiers=idents,
            type=typ,
            language=lang,
            year=year,
            access_policy=access,
        )
        docs.append(document_of(record))
    return docs


def analyze_all(workers: int) -> list[dict]:
    from shuxiang.catalog.models import Record
    from shuxiang.catalog.search import analysis

    analysis.tokens("预热")  # load the jieba dictionary before forking
    columns = (
        "id",
        "library__code",
        "library__path",
        "title",
        "title_folded",
        "creators",
        "subjects",
        "description",
        "publisher",
        "collection",
        "identifiers",
        "type",
        "language",
        "year",
        "access_policy",
    )
    rows = list(Record.objects.order_by("id").values_list(*columns))
    chunks = [rows[i : i + 2000] for i in range(0, len(rows), 2000)]
    with Pool(workers) as pool:
        return [doc for part in pool.imap(_analyze, chunks) for doc in part]


def query_mix_runner(search_one, rounds: int) -> list[float]:
    samples: list[float] = []
    for item in MIX:
        samples += timed(lambda item=item: search_one(item), rounds)
    return samples


def tantivy_raw(backend):
    from shuxiang.catalog.search.base import SearchQuery, Visibility

    def run(item):
        return backend.search(
            SearchQuery(
                text=item["q"],
                filters=item.get("filters", {}),
                sort=item.get("sort", "relevance"),
                visibility=Visibility(),
            )
        )

    return run


def tantivy_floor(backend):
    """The cheapest exact pass the engine offers over the same matches: count them, nothing else
    (no facets, no hydration, one hit). No exact answer with a total can be faster than this."""
    from shuxiang.catalog.search.base import SearchQuery, Visibility

    searcher = backend.index_.searcher()

    def run(item):
        query = SearchQuery(
            text=item["q"], filters=item.get("filters", {}), visibility=Visibility(), facets=False
        )
        return searcher.search(backend.full_query(query), limit=1, count=True).count

    return run


def service_call(item):
    from shuxiang.catalog.search import service

    return service.search(
        actor=None, q=item["q"], filters=item.get("filters", {}), sort=item.get("sort")
    )


def fts_call(fts):
    from shuxiang.catalog.search.analysis import query_tokens

    return lambda item: fts.search(
        query_tokens(item["q"]), item.get("filters", {}), item.get("sort", "")
    )


def run_postgres(args, docs_path: Path) -> dict | None:
    """The PostgreSQL leg in a child process (its own Django, its own fresh database)."""
    if args.skip_postgres:
        return None
    out = Path(tempfile.mkstemp(suffix=".json")[1])
    env = {**os.environ, "SHUXIANG_DATABASE_URL": args.pg_url}
    cmd = [
        sys.executable,
        __file__,
        "--pg-child",
        str(docs_path),
        str(out),
        "--records",
        str(args.records),
        "--rounds",
        str(args.rounds),
        "--pg-rounds",
        str(args.pg_rounds),
        "--harvest",
        str(args.harvest),
    ]
    if subprocess.run(cmd, env=env).returncode != 0:
        print("PostgreSQL leg failed; see above")
        return None
    return json.loads(out.read_text())


def pg_child(args) -> None:
    data_dir = setup_django()
    atexit.register(shutil.rmtree, data_dir, True)
    from django.db import connection

    from shuxiang.catalog.search.base import SearchQuery, Visibility
    from shuxiang.catalog.search.postgres_backend import PostgresBackend

    insert_records(args.records, args.harvest)
    docs = pickle.loads(Path(args.pg_child[0]).read_bytes())
    backend = PostgresBackend()
    start = time.perf_counter()
    backend.bulk_documents(docs)
    rate = len(docs) / (time.perf_counter() - start)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE catalog_record")

    def run(item):
        return backend.search(
            SearchQuery(
                text=item["q"],
                filters=item.get("filters", {}),
                sort=item.get("sort", "relevance"),
                visibility=Visibility(),
            )
        )

    samples = query_mix_runner(run, args.pg_rounds)
    Path(args.pg_child[1]).write_text(json.dumps({"index_rate": rate, "samples": samples}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=20, help="timed runs of each query")
    parser.add_argument(
        "--pg-rounds", type=int, default=5, help="timed runs per query on PostgreSQL"
    )
    parser.add_argument("--harvest", type=int, default=5000, help="records harvested over HTTP")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument(
        "--pg-url",
        default=os.environ.get(
            "SHUXIANG_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
    )
    parser.add_argument("--skip-postgres", action="store_true")
    parser.add_argument("--pg-child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pg_child:
        pg_child(args)
        return
    data_dir = Path(setup_django(keep_database_url=False))
    try:
        embedded(args, data_dir)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)


def embedded(args, data_dir: Path) -> None:
    from shuxiang.catalog.search import base
    from shuxiang.catalog.search.tantivy_backend import TantivyBackend

    insert_records(args.records, args.harvest)
    start = time.perf_counter()
    docs = analyze_all(args.workers)
    analysis_rate = len(docs) / (time.perf_counter() - start)
    print(
        f"analysis (jieba + folding + stemming, {args.workers} processes): {analysis_rate:,.0f} records/s"
    )
    docs_path = data_dir / "docs.pickle"
    docs_path.write_bytes(pickle.dumps(docs))
    backend = TantivyBackend(data_dir / "bench-index")
    start = time.perf_counter()
    backend.bulk_documents(docs)
    tantivy_rate = len(docs) / (time.perf_counter() - start)
    fts = Fts5(data_dir / "fts.sqlite3")
    start = time.perf_counter()
    fts.index(docs)
    fts_rate = len(docs) / (time.perf_counter() - start)
    del docs
    base.set_backend(backend)
    raw = query_mix_runner(tantivy_raw(backend), args.rounds)
    floor = query_mix_runner(tantivy_floor(backend), args.rounds)
    fts_samples = query_mix_runner(fts_call(fts), args.rounds)
    service_samples = query_mix_runner(service_call, args.rounds)
    import requests

    server, url = serve_django()
    http_samples = query_mix_runner(http_call(requests.Session(), url), args.rounds)
    fetch_rate, harvest_rate = harvest_rates(url, args.harvest)
    server.should_exit = True
    pg = run_postgres(args, docs_path)
    summarize(
        args,
        analysis_rate,
        tantivy_rate,
        fts_rate,
        raw,
        floor,
        fts_samples,
        service_samples,
        http_samples,
        pg,
        fetch_rate,
        harvest_rate,
    )


if __name__ == "__main__":
    main()
