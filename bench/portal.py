"""Portal pages under load: the production server vs nginx serving the same pages as files.

Builds a small node (the demo columns on a few libraries, the demo catalog of classics, a
signed-in reader), starts ``shuxiang serve --workers N`` (uvicorn, the production setup) and:

- anonymous pages answered from the page cache (national home, a branch home, a resource's
  reader page): saved with their CSS and JS as static files and served by nginx too (the limit
  for these bytes on this machine); reports the server/nginx ratio;
- dynamic pages Django renders every time (the search page and the home page of a signed-in
  reader, whose session cookie bypasses the cache): requests/s per worker and p95, and their
  ratio to ``/healthz`` (the server's floor) measured in the same run;
- both kinds again at 200 connections, counting errors (wrk's timeout: 2 s);
- with ``--baseline REV``, the dynamic pages also from a server running the source tree of git
  revision REV (e.g. ``main`` before a change: "today"), on the same database, in the same run;
- with ``--setups``, the dynamic pages, ``/healthz`` and the home page under other serving
  setups of the same code (Django's own ASGI handler, granian for ASGI or WSGI, gunicorn).

Every figure comes from wrk in a second process over loopback, in one run. All servers run at
once and take turns (``--rounds``) on each page, so the machine's changing load (other programs)
reaches each of them alike; a figure compared with another is always from the same turns.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import setup_django  # noqa: E402
from portal_report import (  # noqa: E402
    PAGES,
    finish,
    summarize,
    summarize_dynamic,
    summarize_others,
)
from portal_servers import (  # noqa: E402
    SETUPS,
    cpu_seconds,
    free_port,
    source_tree,
    start_nginx,
    start_server,
    stop,
)

DYNAMIC = {"search": "/search?q=%E6%9C%88", "reader_home": "/"}  # q=月
ASSET_RE = re.compile(r'<(?:link rel="stylesheet" href|script src)="([^"]+)"')
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT {\\"requests\\": %d, \\"duration_us\\": %d, \\"p95_us\\": %d, \\"p50_us\\": %d, "
    .. "\\"errors\\": %d, \\"bytes\\": %d}\\n",
    summary.requests, summary.duration, latency:percentile(95), latency:percentile(50),
    e.connect + e.read + e.write + e.status + e.timeout, summary.bytes))
end
"""


def build_node() -> None:
    """The small network and the demo columns (a distributed one and a local one)."""
    from shuxiang.catalog.demo import load_demo_records
    from shuxiang.network.divisions import load_divisions
    from shuxiang.network.tests.factories import small_network
    from shuxiang.portal.demo import load_demo_portal

    load_divisions(progress=False)
    small_network()
    load_demo_portal()
    load_demo_records()


def reader_cookie() -> str:
    """A signed-in reader's session cookie (the dynamic pages are loaded with it)."""
    from django.conf import settings
    from django.test import Client

    from shuxiang.accounts.tests.factories import reader
    from shuxiang.network.models import Library

    client = Client()
    client.force_login(reader(Library.objects.get(code="330600"), username="bench-reader"))
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def fetch(url: str, cookie: str = "") -> bytes:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=60) as response:  # a loaded machine: slow
        return response.read()


def cache_state(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.headers.get("X-Cache", "none")


def save_site(base: str, root: Path) -> dict[str, int]:
    """Write each page (as index.html under its path) and its CSS/JS; return page sizes."""
    sizes = {}
    for name, path in PAGES.items():
        html = fetch(base + path)
        sizes[name] = len(html)
        target = root / path.strip("/") / "index.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(html)
        for asset in ASSET_RE.findall(html.decode()):
            asset_file = root / asset.lstrip("/")
            asset_file.parent.mkdir(parents=True, exist_ok=True)
            asset_file.write_bytes(fetch(base + asset))
    return sizes


def load(
    url: str, script: Path, seconds: int, connections: int, threads: int, cookie: str = ""
) -> dict:
    """Run wrk against ``url``; requests/s, p50/p95 in ms, and errors."""
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "-s", str(script), url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    raw = json.loads(line[len("RESULT ") :])
    return {
        "rps": raw["requests"] / (raw["duration_us"] / 1e6),
        "p95_ms": raw["p95_us"] / 1000,
        "p50_ms": raw["p50_us"] / 1000,
        "errors": raw["errors"],
        "requests": raw["requests"],
    }


def interleaved(bases: dict[str, str], path: str, script: Path, args, cookie="", connections=0):
    """``path`` loaded on every server of ``bases`` in turn, ``args.rounds`` times for a share of
    ``args.seconds`` each, so a change in the machine's load (other programs) reaches every
    server alike; per server: requests/s over all rounds, the median round's p95, errors."""
    connections = connections or args.connections
    share = max(1, round(args.seconds / args.rounds))
    rounds = {name: [] for name in bases}
    for base in bases.values():
        load(base + path, script, 1, connections, args.threads, cookie)  # warm up
    cpu = dict.fromkeys(bases, 0.0)
    for _ in range(args.rounds):
        for name, base in bases.items():
            before = cpu_seconds(PIDS.get(name))
            rounds[name].append(load(base + path, script, share, connections, args.threads, cookie))
            cpu[name] += cpu_seconds(PIDS.get(name)) - before
    found = {}
    for name, runs in rounds.items():
        seconds = sum(r["requests"] / r["rps"] for r in runs if r["rps"])
        requests = sum(r["requests"] for r in runs)
        found[name] = {
            "rps": requests / seconds if seconds else 0.0,
            "p95_ms": statistics.median(r["p95_ms"] for r in runs),
            "p50_ms": statistics.median(r["p50_ms"] for r in runs),
            "errors": sum(r["errors"] for r in runs),
            "requests": requests,
            "cpu_ms": 1000 * cpu[name] / requests if requests and name in PIDS else 0.0,
        }
    return found


PIDS: dict[str, int] = {}  # server name -> main process id (its workers are its children)


def measure(bases: dict, pages: dict, script: Path, args, cookie="", connections=0) -> dict:
    """{page: {server: result}} for every page of ``pages`` on every server of ``bases``."""
    return {
        name: interleaved(bases, path, script, args, cookie, connections)
        for name, path in pages.items()
    }


def warm_up(base: str, script: Path, args, cookie: str) -> None:
    """The same warm-up for every server: each worker's first searches load the tokenizers
    (unless the server preloads them), so light load for a while before measuring."""
    for path in DYNAMIC.values():
        load(base + path, script, 3, 4, 1, cookie)


def start_all(args, data_dir: str, tmp: Path) -> tuple[dict[str, str], list]:
    """Every server measured in this run, all up at once (each idle while another is loaded):
    ``serve`` (this tree), ``baseline`` (``--baseline``) and the ``--setups``."""
    wanted = [("serve", "serve", None)]
    if args.baseline:
        wanted.append(("baseline", "serve", source_tree(args.baseline, tmp)))
    wanted += [(name, name, None) for name in filter(None, args.setups.split(","))]
    bases, processes = {}, []
    for name, setup, tree in wanted:
        port = free_port()
        processes.append(start_server(setup, port, args, data_dir, tmp / f"{name}.log", tree))
        bases[name] = f"http://127.0.0.1:{port}"
        PIDS[name] = processes[-1].pid
    return bases, processes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=9, help="Load duration per page.")
    parser.add_argument("--rounds", type=int, default=3, help="Turns the servers take per page.")
    parser.add_argument("--connections", type=int, default=32, help="wrk connections.")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads.")
    parser.add_argument("--workers", type=int, default=2, help="Server and nginx workers.")
    parser.add_argument(
        "--baseline", default="", help="Git revision whose server is measured too (dynamic pages)."
    )
    parser.add_argument(
        "--setups", default="", help="Other serving setups, comma-separated: " + ", ".join(SETUPS)
    )
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: run scripts/setup-system")
    data_dir = setup_django()
    build_node()
    cookie = reader_cookie()
    tmp = Path(tempfile.mkdtemp(prefix="shuxiang-bench-nginx-"))
    script = tmp / "p95.lua"
    script.write_text(WRK_SCRIPT)
    processes, nginx = [], None
    try:
        bases, processes = start_all(args, data_dir, tmp)
        base = bases["serve"]
        sizes = save_site(base, tmp / "root")
        states = {name: cache_state(base + path) for name, path in PAGES.items()}
        nginx_port = free_port()
        nginx = start_nginx(tmp / "root", tmp, nginx_port, args.workers)
        for each in bases.values():
            warm_up(each, script, args, cookie)
        cached = measure({"serve": base, "nginx": f"http://127.0.0.1:{nginx_port}"}, PAGES,
                         script, args)  # fmt: skip
        dynamic = measure(bases, DYNAMIC, script, args, cookie)
        dynamic["healthz"] = interleaved(bases, "/healthz", script, args)
        dynamic["home"] = interleaved(bases, "/", script, args)
        crowd = measure({"serve": base}, {"home": "/"}, script, args, connections=200)
        crowd |= measure({"serve": base}, {"search": DYNAMIC["search"]}, script, args, cookie, 200)
        load_average = os.getloadavg()
    finally:
        for process in processes:
            stop(process)
        logs = sorted(tmp.glob("*.log"))
        problems = [
            f"{log.stem}: {line}"
            for log in logs
            for line in log.read_text(errors="replace").splitlines()
            if "Error" in line or "error" in line
        ]
        if problems:
            print("server logs (errors):", *problems[-10:], sep="\n  ")
        if nginx is not None:
            stop(nginx)
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(data_dir, ignore_errors=True)
    served = {name: cached[name]["serve"] for name in PAGES}
    limit = {name: cached[name]["nginx"] for name in PAGES}
    ours = {name: dynamic[name]["serve"] for name in DYNAMIC}
    floor = dynamic["healthz"]["serve"]
    others = {
        server: {page: dynamic[page][server] for page in dynamic}
        for server in dynamic["healthz"]
        if server != "serve"
    }
    flat_crowd = {name: crowd[name]["serve"] for name in crowd}
    summarize(served, limit, floor, sizes, args)
    summarize_dynamic(ours, floor, flat_crowd, states, load_average, args)
    summarize_others(others, {page: dynamic[page]["serve"] for page in dynamic}, args)
    finish(served, limit, ours, floor, flat_crowd, load_average, args, others)


if __name__ == "__main__":
    main()
