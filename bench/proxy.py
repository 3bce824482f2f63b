"""The proxy gateway's throughput against the vendor site answering directly, in one run.

Starts the test vendor site (``shuxiang/proxy/tests/vendor_site.py``, Python's threading HTTP
server, its own process) and ``shuxiang serve --workers N`` (default 2, the machine's cores)
with the gateway on ``*.proxy.test`` (embedded or server mode as configured). A signed-in
reader's gateway session is made with the real services. wrk (loopback, a second process)
then fetches, for ``--seconds`` each:

- a 1 MB PDF (passed byte for byte, streamed), directly and through the gateway;
- a 100 KB HTML page holding 1,000 absolute links to the vendor's two hosts (rewritten while
  streaming), directly and through the gateway.

Reports requests/s and MB/s of each and the ratios gateway/direct (goals: PDF ≥ 0.5×, HTML ≥
0.3×), with the load average. Each proxied answer is also counted (usage window, COUNTER
event), as in production; the PDF limit is lifted for the run.
"""

from __future__ import annotations

import argparse
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

from common import report, setup_django  # noqa: E402

VENDOR = ROOT / "shuxiang" / "proxy" / "tests" / "vendor_site.py"
WRK_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT {\\"requests\\": %d, \\"duration_us\\": %d, \\"p95_us\\": %d, \\"errors\\": %d, "
    .. "\\"status_errors\\": %d, \\"bytes\\": %d}\\n",
    summary.requests, summary.duration, latency:percentile(95),
    e.connect + e.read + e.write + e.timeout, e.status, summary.bytes))
end
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_listening(port: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"a server exited while starting ({process.args})")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("a server did not start within 120 s")


def gateway_session(vendor_port: int) -> str:
    """Libraries, the vendor definition and a reader with a gateway session; its cookie key."""
    from shuxiang.accounts.tests.factories import user
    from shuxiang.core.actors import SYSTEM
    from shuxiang.network.models import Library
    from shuxiang.network.tests.factories import library
    from shuxiang.proxy import services

    library("NLC", None, Library.Level.NATIONAL)
    zj = library("330000", "NLC", Library.Level.PROVINCIAL)
    stanza = (
        f"Title Bench Vendor\nURL http://127.0.0.1:{vendor_port}/\nHJ 127.0.0.3:{vendor_port}\n"
    )
    services.import_stanzas(stanza, zj, by=SYSTEM)
    person = user("bench-reader", home_library=zj)
    url = services.start(person, f"http://127.0.0.1:{vendor_port}/", by=person)
    return services.enter(url.split("ticket=")[1].split("&")[0])


def wrk(url: str, seconds: int, connections: int, headers: dict[str, str]) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    command = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    command += ["-s", script.name]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    os.unlink(script.name)
    result = json.loads(out.split("RESULT ", 1)[1].splitlines()[0])
    seconds_taken = result["duration_us"] / 1e6
    result["rps"] = result["requests"] / seconds_taken
    result["mbps"] = result["bytes"] / seconds_taken / 2**20
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10, help="wrk duration per figure")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2, help="gateway (serve) processes")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed (apt-get install wrk)")
    vendor_port, node_port = free_port(), free_port()
    os.environ.update(
        SHUXIANG_PROXY_DOMAIN="proxy.test",
        SHUXIANG_PROXY_GATEWAY_SCHEME="http",
        SHUXIANG_PROXY_GATEWAY_PORT=str(node_port),
        SHUXIANG_PROXY_PDF_LIMIT_PER_HOUR=str(10**9),
    )
    print("migrating a fresh node…", flush=True)
    data_dir = setup_django()
    key = gateway_session(vendor_port)
    vendor = subprocess.Popen([sys.executable, str(VENDOR), str(vendor_port), "127.0.0.1"])
    env = {**os.environ, "SHUXIANG_DATA_DIR": data_dir, "PYTHONPATH": str(ROOT)}
    env["SHUXIANG_ALLOWED_HOSTS"] = "127.0.0.1,localhost"
    from django.conf import settings

    env["SHUXIANG_DATABASE_URL"] = os.environ.get("SHUXIANG_DATABASE_URL", "")
    if settings.SERVER_MODE:  # the bench database setup_django made
        db = settings.DATABASES["default"]
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        env["SHUXIANG_DATABASE_URL"] = f"postgresql://{db['USER']}@{host}/{db['NAME']}"
    server = subprocess.Popen(
        [sys.executable, "-m", "shuxiang.cli", "serve", "--port", str(node_port),
         "--workers", str(args.workers)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    print("starting the vendor site and the node…", flush=True)
    try:
        wait_listening(vendor_port, vendor)
        wait_listening(node_port, server)
        figures = measure(vendor_port, node_port, key, args)
    finally:
        for process in (server, vendor):
            process.terminate()
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
    summarize(figures)


def measure(vendor_port: int, node_port: int, key: str, args) -> dict:
    gateway_host = f"127-0-0-1-p{vendor_port}.proxy.test:{node_port}"
    through = {"Host": gateway_host, "Cookie": f"sxproxy={key}"}
    figures = {"load_before": os.getloadavg()}
    for name in ("pdf", "html"):
        path = f"/bench.{name}"
        direct = wrk(f"http://127.0.0.1:{vendor_port}{path}", args.seconds, args.connections, {})
        gateway = wrk(
            f"http://127.0.0.1:{node_port}{path}", args.seconds, args.connections, through
        )
        figures[name] = {"direct": direct, "gateway": gateway}
    figures["load_after"] = os.getloadavg()
    return figures


def summarize(figures: dict) -> None:
    load = " / ".join(f"{a:.1f}" for a in figures["load_before"])
    print(f"load average before: {load}; after: {figures['load_after'][0]:.1f}")
    ratios = {}
    for name, goal in (("pdf", 0.5), ("html", 0.3)):
        direct, gateway = figures[name]["direct"], figures[name]["gateway"]
        for label, row in (("direct ", direct), ("gateway", gateway)):
            print(
                f"{name:4} {label}: {row['rps']:8.1f} req/s {row['mbps']:8.1f} MB/s "
                f"p95 {row['p95_us'] / 1000:7.1f} ms errors {row['errors'] + row['status_errors']}"
            )
        ratios[name] = gateway["rps"] / direct["rps"]
        print(f"{name:4} gateway/direct: {ratios[name]:.2f}x (goal >= {goal}x)")
    report(
        "proxy",
        "pdf_1mb_requests_per_s_through_gateway",
        figures["pdf"]["gateway"]["rps"],
        "the vendor site answering directly",
        figures["pdf"]["direct"]["rps"],
        "req/s",
        html_ratio=round(ratios["html"], 2),
        html_gateway_rps=round(figures["html"]["gateway"]["rps"], 1),
        html_direct_rps=round(figures["html"]["direct"]["rps"], 1),
        load_average=[round(a, 1) for a in figures["load_before"]],
    )


if __name__ == "__main__":
    main()
