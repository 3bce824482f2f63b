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
  setups of the same code (granian for ASGI or WSGI, gunicorn for WSGI), in the same run.

Every figure comes from wrk in a second process over loopback, in one run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
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
NGINX_CONF = """
worker_processes {workers};
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  types {{ text/html html; text/css css; text/javascript js; }}
  default_type text/html;
  client_body_temp_path {tmp}/body;
  proxy_temp_path {tmp}/proxy;
  fastcgi_temp_path {tmp}/fastcgi;
  uwsgi_temp_path {tmp}/uwsgi;
  scgi_temp_path {tmp}/scgi;
  server {{
    listen 127.0.0.1:{port};
    root {root};
    location / {{ try_files $uri $uri/index.html =404; }}
  }}
}}
"""


SETUPS = {
    # the production command: uvicorn over the ASGI application (fronts + Django)
    "serve": lambda port, n: ["-m", "shuxiang.cli", "serve", "--port", str(port),
                              "--workers", str(n)],
    "granian-asgi": lambda port, n: ["-m", "granian", "--interface", "asgi", "--workers", str(n),
                                     "--port", str(port), "--no-ws", "shuxiang.asgi:application"],
    "granian-wsgi": lambda port, n: ["-m", "granian", "--interface", "wsgi", "--workers", str(n),
                                     "--port", str(port), "shuxiang.wsgi:application"],
    "gunicorn-wsgi": lambda port, n: ["-m", "gunicorn", "-w", str(n), "-b", f"127.0.0.1:{port}",
                                      "shuxiang.wsgi:application"],
}  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


def server_environment(data_dir: str) -> dict:
    """The environment for the server process: same data dir and database as this process."""
    from django.conf import settings

    env = {**os.environ, "SHUXIANG_DATA_DIR": data_dir, "SHUXIANG_LOG_FORMAT": "plain"}
    env.setdefault("SHUXIANG_ALLOW_ANY_HOST", "true")  # branch sites are asked for by Host
    if settings.SERVER_MODE:
        base = os.environ["SHUXIANG_DATABASE_URL"].rsplit("/", 1)[0]
        env["SHUXIANG_DATABASE_URL"] = f"{base}/{settings.DATABASES['default']['NAME']}"
    return env


def wait_until_up(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {seconds}s")


def fetch(url: str, cookie: str = "") -> bytes:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    with urllib.request.urlopen(request, timeout=10) as response:
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


def start_nginx(root: Path, tmp: Path, port: int, workers: int) -> subprocess.Popen:
    conf = tmp / "nginx.conf"
    conf.write_text(NGINX_CONF.format(workers=workers, tmp=tmp, port=port, root=root))
    for folder in (tmp, *root.rglob("*")):
        if folder.is_dir():
            folder.chmod(0o755)
    root.chmod(0o755)
    process = subprocess.Popen(
        ["nginx", "-p", str(tmp), "-e", str(tmp / "error.log"), "-c", str(conf)]
        + ["-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    wait_until_up(f"http://127.0.0.1:{port}/")
    return process


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


def measure(base: str, script: Path, args, pages=PAGES, cookie="", connections=0) -> dict:
    results = {}
    connections = connections or args.connections
    for name, path in pages.items():
        load(base + path, script, 1, connections, args.threads, cookie)  # warm up
        results[name] = load(base + path, script, args.seconds, connections, args.threads, cookie)
    return results


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_server(setup: str, port: int, args, data_dir: str, log: Path, tree: Path | None = None):
    """A server of ``setup`` on ``port`` (from source tree ``tree`` when given), once it answers."""
    env = server_environment(data_dir)
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    server = subprocess.Popen(
        [sys.executable, *SETUPS[setup](port, args.workers)],
        env=env,
        cwd=str(tree) if tree else None,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", 60)
    except RuntimeError:
        stop(server)
        raise
    return server


def source_tree(revision: str, tmp: Path) -> Path:
    """The files of git revision ``revision`` of this repository, extracted under ``tmp``."""
    tree = tmp / "baseline-tree"
    tree.mkdir()
    repo = Path(__file__).resolve().parent.parent
    archive = subprocess.run(
        ["git", "-C", str(repo), "archive", revision], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    return tree


def warm_up(base: str, script: Path, args, cookie: str) -> None:
    """The same warm-up for every server: each worker's first searches load the tokenizers
    (unless the server preloads them), so light load for a while before measuring."""
    for path in DYNAMIC.values():
        load(base + path, script, args.seconds, 4, 1, cookie)


def dynamic_under(setup, args, data_dir, tmp, script, cookie, tree=None) -> dict:
    """Dynamic pages (and /healthz, and the anonymous home) from one server of ``setup``."""
    port = free_port()
    name = "baseline" if tree else setup
    server = start_server(setup, port, args, data_dir, tmp / f"{name}.log", tree)
    try:
        base = f"http://127.0.0.1:{port}"
        warm_up(base, script, args, cookie)
        found = measure(base, script, args, DYNAMIC, cookie)
        found["healthz"] = load(base + "/healthz", script, args.seconds, args.connections, 2)
        found["home"] = measure(base, script, args, {"home": "/"})["home"]
        return found
    finally:
        stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=8, help="Load duration per page.")
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
    port, static_port = free_port(), free_port()
    others = {}
    if args.baseline:
        tree = source_tree(args.baseline, tmp)
        others["baseline"] = dynamic_under("serve", args, data_dir, tmp, script, cookie, tree)
    for setup in filter(None, args.setups.split(",")):
        others[setup] = dynamic_under(setup, args, data_dir, tmp, script, cookie)
    server = start_server("serve", port, args, data_dir, tmp / "server.log")
    nginx = None
    try:
        base = f"http://127.0.0.1:{port}"
        sizes = save_site(base, tmp / "root")
        states = {name: cache_state(base + path) for name, path in PAGES.items()}
        nginx = start_nginx(tmp / "root", tmp, static_port, args.workers)
        served = measure(base, script, args)
        warm_up(base, script, args, cookie)
        dynamic = measure(base, script, args, DYNAMIC, cookie)
        floor = load(base + "/healthz", script, args.seconds, args.connections, args.threads)
        limit = measure(f"http://127.0.0.1:{static_port}", script, args)
        crowd = measure(base, script, args, {"home": "/"}, connections=200)
        crowd |= measure(base, script, args, {"search": DYNAMIC["search"]}, cookie, 200)
        load_average = os.getloadavg()
    finally:
        stop(server)
        log = (tmp / "server.log").read_text(errors="replace").splitlines()
        problems = [line for line in log if "Error" in line or "error" in line]
        if problems:
            print("server log (errors):", *problems[-10:], sep="\n  ")
        if nginx is not None:
            stop(nginx)
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(data_dir, ignore_errors=True)
    summarize(served, limit, floor, sizes, args)
    summarize_dynamic(dynamic, floor, crowd, states, load_average, args)
    summarize_others(others, dynamic, floor, served, args)
    finish(served, limit, dynamic, floor, crowd, load_average, args, others)


if __name__ == "__main__":
    main()
