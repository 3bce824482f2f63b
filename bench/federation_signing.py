"""Overhead of RFC 9421 signing and verifying a node-to-node request, through HTTP.

Starts a real ``shuxiang serve`` node (embedded SQLite, its own data folder) that knows this
process as an approved child node, then alternates, over one keep-alive connection each:

- signed:   ``GET /federation/peer/keys``, signed here (Ed25519, nonce, created/expires) and
  verified by the node (signature base, cached key look-up, nonce claimed in the replay store,
  last-seen update once a minute);
- unsigned: ``GET /federation/keys.json``, the same JSON document from the same view code,
  without signature.

Also reports the client-side signing cost alone (in-process). Last line: JSON result
(ratio = signed rate / unsigned rate; 1.0 = no overhead).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REGISTER = """
from django.utils import timezone
from shuxiang.federation.models import Node, NodeKey
node = Node.objects.create(name="bench", base_url="http://bench.invalid", relation="child",
                           status="approved", approved_at=timezone.now())
NodeKey.objects.create(node=node, key_id={key_id!r}, public_key={public!r})
"""


def env_for(data_dir: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHUXIANG_")}
    env.update(
        SHUXIANG_DATA_DIR=str(data_dir),
        SHUXIANG_BASE_URL=f"http://127.0.0.1:{port}",
        SHUXIANG_ALLOWED_HOSTS="127.0.0.1",
        PYTHONPATH=str(ROOT),
    )
    return env


def shuxiang(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "shuxiang.cli", *args], env=env, cwd=ROOT,
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    if done.returncode:
        raise SystemExit(done.stderr[-3000:])
    return done.stdout


def start(env: dict, port: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [sys.executable, "-m", "shuxiang.cli", "serve", "--port", str(port)],
        env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("the node did not start")


def timed(session, url: str, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        response = session.get(url)
        assert response.status_code == 200, response.text[:300]
    return n / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=300, help="Requests per run.")
    parser.add_argument("--repeat", type=int, default=5, help="Runs per kind (median kept).")
    args = parser.parse_args()

    client_dir = Path(tempfile.mkdtemp(prefix="shuxiang-bench-fedsig-"))
    os.environ["SHUXIANG_DATA_DIR"] = str(client_dir / "client")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuxiang.settings")
    import django

    django.setup()
    import requests

    from shuxiang.federation.signing import NodeAuth, sign_prepared
    from shuxiang.federation.tests.factories import new_key

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = env_for(client_dir / "node", port)
    (client_dir / "node").mkdir()
    key = new_key()
    shuxiang(env, "migrate", "-v", "0")
    shuxiang(
        env, "shell", "-v", "0", "-c", REGISTER.format(key_id=key.key_id, public=key.public_key_b64)
    )
    server = start(env, port)
    try:
        base = f"http://127.0.0.1:{port}"
        signed, unsigned = requests.Session(), requests.Session()
        signed.auth = NodeAuth(key)
        timed(signed, base + "/federation/peer/keys", 20)  # warm up both
        timed(unsigned, base + "/federation/keys.json", 20)
        rates = {"signed": [], "unsigned": []}
        for _ in range(args.repeat):
            rates["unsigned"].append(timed(unsigned, base + "/federation/keys.json", args.requests))
            rates["signed"].append(timed(signed, base + "/federation/peer/keys", args.requests))
        s, u = statistics.median(rates["signed"]), statistics.median(rates["unsigned"])

        prepared = requests.Request("POST", base + "/federation/peer/keys", data=b"{}").prepare()
        start_sign = time.perf_counter()
        for _ in range(2000):
            sign_prepared(prepared, key=key)
        sign_us = (time.perf_counter() - start_sign) / 2000 * 1e6
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(client_dir, ignore_errors=True)

    print(f"unsigned GET /federation/keys.json:  {u:8.1f} requests/s (median of {args.repeat})")
    print(f"signed   GET /federation/peer/keys:  {s:8.1f} requests/s (median of {args.repeat})")
    print(
        f"per-request added time: {(1 / s - 1 / u) * 1000:.2f} ms; signing alone {sign_us:.0f} µs"
    )
    print(f"signed / unsigned: {s / u:.2f}")
    print(json.dumps({
        "bench": "federation_signing", "metric": "signed peer requests/s", "value": round(s, 1),
        "baseline": "the same document unsigned", "baseline_value": round(u, 1),
        "ratio": round(s / u, 3), "unit": "requests/s", "signing_us": round(sign_us, 1),
    }))  # fmt: skip


if __name__ == "__main__":
    main()
