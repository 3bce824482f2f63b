# ruff: noqa: E501  (report lines read better unwrapped)
"""Federation benchmark: node-to-node harvest of N records (default 100,000) in records/s.

A child node is a real ``shuxiang serve`` process with its own data folder and SQLite
database, holding N generated records (bench/catalog_corpus.py: two libraries, local
resources with landing pages, about 10% not public). The parent is this process (SQLite, or
PostgreSQL when ``SHUXIANG_DATABASE_URL`` is set). In the same run, over the same loopback
connection and the same endpoint:

- peer: fetching and fully parsing every page of the list (ListRecords, the native format,
  following resumption tokens) without storing anything, with the harvester's own fetching
  thread (``PageStream``, the same pages asked for ahead);
- harvest: the parent's harvester storing the whole list (records with their holdings; work
  clustering and the search index updates queued as jobs) until the source is complete, from
  an empty catalog each time; peer and harvest run in turn ``--rounds`` times (default 2),
  then the peer once more, and the best of each counts (on a shared machine other processes
  slow one run or another);
- index jobs (reported on their own, not part of the ratio: harvests hand clustering and
  indexing to the task queue): the queued jobs run one after the other in this process, as a
  worker would, until national search finds every harvested record (``--no-index`` skips).

The ratio is harvest / peer (goal ≥ 0.8; goal ≥ 2,000 records/s). The endpoint is the signed
peer endpoint ``/federation/peer/oai`` (default; pages of ``SHUXIANG_FEDERATION_OAI_PAGE_SIZE``
records, 500), or with ``--endpoint oai`` the node's ``/oai`` (100 a page) as a staff harvester.

    .venv/bin/python bench/federation.py --records 100000
    SHUXIANG_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/sx_x .venv/bin/python bench/federation.py
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

OAI = "{http://www.openarchives.org/OAI/2.0/}"
LIBRARIES = (
    ("BENCH", None, "national", "基准国家馆"),
    ("BENCH-ZJ", "BENCH", "provincial", "浙江省图书馆（基准）"),
    ("BENCH-HZ", "BENCH-ZJ", "city", "杭州图书馆（基准）"),
)


def make_libraries() -> None:
    from shuxiang.core.actors import SYSTEM
    from shuxiang.network import services
    from shuxiang.network.models import Library

    for code, parent, level, name in LIBRARIES:
        if not Library.objects.filter(code=code).exists():
            services.create_library(
                {"code": code, "name": name, "level": level, "parent": parent}, by=SYSTEM
            )


def populate_child(count: int) -> None:
    """Inside the child's environment: migrate, then store ``count`` records in bulk."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuxiang.settings")
    django.setup()
    from catalog_corpus import generate
    from django.core.management import call_command
    from django.utils import timezone

    from shuxiang.catalog import services
    from shuxiang.catalog.models import Record
    from shuxiang.network.models import Library

    call_command("migrate", interactive=False, verbosity=0)
    make_libraries()
    libraries = list(Library.objects.filter(code__in=["BENCH-ZJ", "BENCH-HZ"]))
    sources = [services.local_source(lib, f"local-bench-{lib.code}".lower()) for lib in libraries]
    start, batch = timezone.now().replace(microsecond=0), []
    for n, raw in enumerate(generate(count)):
        fields = services.clean_fields(raw)
        source = sources[n % len(sources)]
        record = Record(
            source=source, local_id=f"resource:{n + 1}", format="native", payload="",
            datestamp=start - dt.timedelta(seconds=count - n), library=source.library,
            access_policy=raw["access_policy"], **fields,
        )  # fmt: skip
        record.set_specs = "|" + "|".join(services.set_specs_for(record)) + "|"
        batch.append(record)
        if len(batch) >= 5000:
            Record.objects.bulk_create(batch)
            batch = []
    Record.objects.bulk_create(batch)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_child(count: int, cache: str = "") -> tuple[subprocess.Popen, str, dict]:
    data = tempfile.mkdtemp(prefix="shuxiang-bench-child-")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHUXIANG_")}
    env.update(SHUXIANG_DATA_DIR=data, DJANGO_SETTINGS_MODULE="shuxiang.settings")
    kept = Path(cache) / f"child-{count}.sqlite3" if cache else None
    if kept is not None and kept.exists():
        shutil.copyfile(kept, Path(data) / "shuxiang.sqlite3")
        print(f"child: {count:,} records copied from {kept}")
    else:
        began = time.time()
        subprocess.run([sys.executable, __file__, "--populate-child", str(count)], env=env,
                       check=True, cwd=ROOT)  # fmt: skip
        print(f"child: stored {count:,} records in {time.time() - began:.1f}s")
        if kept is not None:
            kept.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(Path(data) / "shuxiang.sqlite3", kept)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = open(Path(data) / "serve.log", "w")  # noqa: SIM115 - open while the child runs
    process = subprocess.Popen(
        [sys.executable, "-m", "shuxiang.cli", "serve", "--host", "127.0.0.1", "--port", str(port)],
        env={**env, "SHUXIANG_BASE_URL": url},
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    import requests

    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if requests.get(f"{url}/oai?verb=Identify", timeout=5).ok:
                return process, url, env
        except requests.RequestException:
            pass
        time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"the child node did not start; see {data}/serve.log")


def staff_token(env: dict) -> str:
    """A superuser's API token on the child (the /oai staff harvester's credentials)."""
    code = (
        "from shuxiang.accounts.models import User; from shuxiang.accounts import services;"
        "u = User.objects.create_superuser(username='bench', password='bench-pass-1');"
        "print(services.issue_api_token(u, 'bench'))"
    )
    out = subprocess.run([sys.executable, "-m", "shuxiang.cli", "shell", "-c", code], env=env,
                         cwd=ROOT, check=True, capture_output=True, text=True)  # fmt: skip
    return out.stdout.strip().splitlines()[-1]


def cpu_seconds(pid: int | None = None) -> float:
    """CPU time (user + system) of this process, or of process ``pid`` (from /proc)."""
    if pid is None:
        return time.process_time()
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CPU:
    """Microseconds of CPU a record, of this process, of the child and (PostgreSQL parent) of
    this process's database server process, over a ``with`` block."""

    def __init__(self, child_pid: int, records: int) -> None:
        self.child_pid, self.records = child_pid, records
        self.db_pid = database_pid()

    def _now(self) -> tuple:
        db = cpu_seconds(self.db_pid) if self.db_pid else 0.0
        return cpu_seconds(), cpu_seconds(self.child_pid), db

    def __enter__(self):
        self.start = self._now()
        return self

    def __exit__(self, *exc_info) -> None:
        spent = [(b - a) * 1e6 / self.records for a, b in zip(self.start, self._now(), strict=True)]
        self.text = f"CPU a record: parent {spent[0]:.0f} µs, child {spent[1]:.0f} µs"
        if self.db_pid:
            self.text += f", parent's PostgreSQL server process {spent[2]:.0f} µs"


def database_pid() -> int | None:
    """The PostgreSQL server process serving this process's connection (None on SQLite)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def fetch_and_parse(session, url: str) -> tuple[int, float]:
    """(records, seconds): every page of the list fetched and parsed, nothing stored.

    A fair peer of the harvest: the same client and session, the same ``fetch.get`` (decode
    and parse), the same prefetching thread (``PageStream``: the next page is asked for as soon
    as the last one is parsed, four pages ahead) and interpreter-lock switch interval; only
    reading the records' values and storing them are left out.
    """
    import sys as _sys

    from shuxiang.catalog.models import Source
    from shuxiang.catalog.oai.harvester import SWITCH_SECONDS, Harvester
    from shuxiang.catalog.oai.pipeline import PageStream

    source = Source(key="peer", base_url=url, metadata_prefix="shuxiang")  # never saved
    fetcher = Harvester(source, session=session)  # only its fetching is used
    params, count = {"verb": "ListRecords", "metadataPrefix": "shuxiang"}, 0
    switch = _sys.getswitchinterval()
    _sys.setswitchinterval(SWITCH_SECONDS)
    start = time.perf_counter()
    try:
        with PageStream(fetcher, params, 300) as stream:
            for page, _asked, _token, _prepared in stream:
                assert page.error() is None, page.error().text
                count += len(page.root.findall(f"{OAI}ListRecords/{OAI}record"))
    finally:
        _sys.setswitchinterval(switch)
    return count, time.perf_counter() - start


def empty_catalog() -> None:
    from shuxiang.catalog.models import Record, Source

    Record.objects.all().delete()
    Source.objects.filter(key="bench-child").delete()


def harvest(session, url: str) -> tuple[int, float, object]:
    from django.db import connection

    from shuxiang.catalog.models import Source
    from shuxiang.catalog.oai.harvester import Harvester

    source = Source.objects.create(key="bench-child", name="Child node", kind="node",
                                   base_url=url, metadata_prefix="shuxiang")  # fmt: skip
    start = time.perf_counter()
    report = Harvester(source, session=session).run()
    seconds = time.perf_counter() - start
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE catalog_record")
    return report.stored, seconds, report


def index(stored: int) -> float:
    """Run the queued index jobs; records clustered and indexed a second."""
    from shuxiang.catalog.models import Record

    started = time.perf_counter()
    run_index_jobs()
    seconds = time.perf_counter() - started
    clustered = Record.objects.filter(deleted=False, work__isnull=False).count()
    assert clustered == stored, f"{clustered} of {stored} records clustered"
    print(f"index jobs (clustering + search index): {stored:,} records in {seconds:.1f}s "
          f"= {stored / seconds:,.0f} records/s")  # fmt: skip
    return stored / seconds


def run_index_jobs() -> None:
    """Run the index jobs the harvest queued (no task worker runs in the benchmark)."""
    from shuxiang.catalog.bulkstore import INDEX_JOB
    from shuxiang.core import jobs
    from shuxiang.core.models import Job

    for job_id in Job.objects.filter(kind=INDEX_JOB, state="pending").values_list("id", flat=True):
        jobs.run(job_id)


TRUST_PARENT = """
from django.utils import timezone
from shuxiang.federation.models import Node, NodeKey
node = Node.objects.create(name="bench parent", base_url="http://127.0.0.1:9", relation="parent",
                           status="approved", approved_at=timezone.now())
NodeKey.objects.create(node=node, key_id={key_id!r}, public_key={public!r})
"""


def session_for(child_url: str, env: dict, endpoint: str):
    """A session and the list's URL: the signed peer endpoint (the child trusts this process's
    key as its approved parent's, as after ``federation join`` and approval), or staff /oai."""
    import requests

    if endpoint == "peer":
        from shuxiang.federation import keys  # noqa: PLC0415
        from shuxiang.federation.signing import peer_session  # noqa: PLC0415

        own = keys.own_key()
        code = TRUST_PARENT.format(key_id=own.key_id, public=own.public_key_b64)
        subprocess.run([sys.executable, "-m", "shuxiang.cli", "shell", "-c", code], env=env,
                       cwd=ROOT, check=True)  # fmt: skip
        return peer_session(), f"{child_url}/federation/peer/oai"
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {staff_token(env)}"
    return session, f"{child_url}/oai"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--endpoint", choices=["oai", "peer"], default="peer")
    parser.add_argument("--no-index", action="store_true", help="skip running the index jobs")
    parser.add_argument(
        "--rounds", type=int, default=2, help="peer and harvest in turn, best of each"
    )
    parser.add_argument(
        "--child-cache",
        default="",
        help="folder keeping the child's database "
        "between runs (the same records; saves populating it again)",
    )
    parser.add_argument("--populate-child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.populate_child:
        populate_child(args.populate_child)
        return
    from common import setup_django

    setup_django()
    from django.db import connection

    make_libraries()
    child, child_url, env = start_child(args.records, args.child_cache)
    try:
        session, url = session_for(child_url, env, args.endpoint)
        peer, rates = [], []
        for round_ in range(1, args.rounds + 1):  # peer and harvest in turn: best of each
            with CPU(child.pid, args.records) as cpu:
                count, seconds = fetch_and_parse(session, url)
            assert count == args.records, f"the child served {count} of {args.records}"
            peer.append(count / seconds)
            print(
                f"round {round_} peer (fetch + parse, no storing): {count:,} records in {seconds:.1f}s = {count / seconds:,.0f} records/s; {cpu.text}"
            )
            empty_catalog()
            with CPU(child.pid, args.records) as cpu:
                stored, seconds, report = harvest(session, url)
            assert stored == args.records and report.failed == 0, (stored, report.errors[:3])
            rates.append(stored / seconds)
            print(
                f"round {round_} harvest ({connection.vendor} parent): {stored:,} records in {seconds:.1f}s = {stored / seconds:,.0f} records/s; {cpu.text}"
            )
        count, seconds = fetch_and_parse(session, url)
        peer.append(count / seconds)
        print(f"peer again: {count / seconds:,.0f} records/s")
        rate = max(rates)
    finally:
        child.terminate()
        child.wait(timeout=30)
    indexing = None if args.no_index else round(index(stored), 1)
    print(json.dumps({"bench": "federation_harvest", "metric": f"node-to-node harvest ({args.endpoint}, native format)",
                      "parent": connection.vendor, "value": round(rate, 1),
                      "baseline": f"fetch + parse the same pages, nothing stored (best of {len(peer)})",
                      "harvests": [round(r, 1) for r in rates], "peers": [round(r, 1) for r in peer],
                      "baseline_value": round(max(peer), 1), "ratio": round(rate / max(peer), 2),
                      "unit": "records/s", "records": args.records, "index_jobs_rate": indexing,
                      "loadavg": [round(x, 1) for x in os.getloadavg()]}))  # fmt: skip


if __name__ == "__main__":
    main()
