"""Benchmarks of the resources app, each reported as a ratio to its physical limit or peer.

1. Batch import rate (MB/s, SHA-256 computed and the originals copied into storage) against
   ``sha256sum`` reading the same files (the limit: import cannot be faster than hashing them).
2. Range-serving throughput of one large file by ``shuxiang serve`` (uvicorn, access policy
   checked on every request) against nginx serving the same file from disk (the peer).

Run: .venv/bin/python bench/resources_bench.py [--mb 256] [--files 16]
Everything runs on loopback in a temporary folder and stops by itself.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 4 * 1024 * 1024
ROUNDS = 3  # best of three (the first warms caches and connections)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def make_files(folder: Path, count: int, megabytes: int, suffix: str = ".pdf") -> list[Path]:
    folder.mkdir(parents=True)
    size = megabytes * 1024 * 1024 // count
    paths = []
    for index in range(count):
        path = folder / f"scan-{index:03d}{suffix}"
        with open(path, "wb") as out:
            for _ in range(0, size, CHUNK):
                out.write(os.urandom(min(CHUNK, size)))
        paths.append(path)
    return paths


def time_sha256sum(paths: list[Path]) -> float:
    started = time.perf_counter()
    subprocess.run(["sha256sum", *map(str, paths)], check=True, capture_output=True)
    return time.perf_counter() - started


def time_hashlib(paths: list[Path]) -> float:
    """The same hashing the import does (OpenSSL via hashlib, 1 MiB chunks), nothing else."""
    import hashlib

    started = time.perf_counter()
    for path in paths:
        digest = hashlib.sha256()
        with open(path, "rb") as handle:
            while chunk := handle.read(1024 * 1024):
                digest.update(chunk)
    return time.perf_counter() - started


def setup_django(data_dir: Path):
    os.environ["SHUXIANG_DATA_DIR"] = str(data_dir)
    os.environ["SHUXIANG_DOWNLOAD_QUOTA"] = "0"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuxiang.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    from shuxiang.core.actors import SYSTEM
    from shuxiang.network import services as network
    from shuxiang.resources import services
    from shuxiang.resources.models import Collection

    library = network.create_library(
        {"code": "NLC", "name": "国家图书馆", "level": "national"}, by=SYSTEM
    )
    return services.create_collection(library, "bench", "bench", kind=Collection.Kind.CENTRAL,
                                      by=SYSTEM)  # fmt: skip


def bench_import(collection, folder: Path, paths: list[Path]) -> float:
    import csv

    from shuxiang.core.actors import SYSTEM
    from shuxiang.resources.ingest import import_folder

    manifest = folder / "manifest.csv"
    with open(manifest, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "type", "title", "extra.category"])
        for path in paths:
            writer.writerow([path.name, "classic", path.stem, "shi"])
    from huey.contrib.djhuey import HUEY

    HUEY.immediate = False  # derivatives are queued, not made, during the import
    report = import_folder(folder, manifest, collection=collection, by=SYSTEM)
    assert report.counts == {"stored": len(paths)}, report.counts
    return report.bytes / 1e6 / report.seconds


def publish_large(collection, path: Path):
    from shuxiang.core.actors import SYSTEM
    from shuxiang.resources import services

    with open(path, "rb") as stream:
        resource = services.create_resource(
            {"type": "video", "subtype": "lecture", "title": "large"},
            collection=collection, by=SYSTEM, files=[services.Upload("large.mp4", stream)],
        )  # fmt: skip
    services.submit(resource, by=SYSTEM)
    services.publish(resource, by=SYSTEM)
    return resource.files.get(role="original")


def fetch_ranges(url: str, size: int) -> float:
    """Read the whole file as consecutive 4 MiB range requests; return MB/s."""
    session = requests.Session()
    started = time.perf_counter()
    received = 0
    for start in range(0, size, CHUNK):
        end = min(start + CHUNK, size) - 1
        response = session.get(url, headers={"Range": f"bytes={start}-{end}"})
        assert response.status_code == 206, response.status_code
        received += len(response.content)
    assert received == size
    return size / 1e6 / (time.perf_counter() - started)


def wait_up(url: str) -> None:
    for _ in range(200):
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


def serve_shuxiang(data_dir: Path, port: int) -> subprocess.Popen:
    env = {**os.environ, "SHUXIANG_DATA_DIR": str(data_dir), "SHUXIANG_DOWNLOAD_QUOTA": "0"}
    env.setdefault("SHUXIANG_ALLOW_ANY_HOST", "true")  # a loopback bench, whatever the mode
    command = [str(ROOT / ".venv/bin/shuxiang"), "serve", "--port", str(port)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def serve_nginx(root: Path, work: Path, port: int) -> subprocess.Popen | None:
    nginx = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if not nginx:
        return None
    (work / "logs").mkdir(parents=True, exist_ok=True)
    conf = work / "nginx.conf"
    user = "user root;\n" if os.geteuid() == 0 else ""  # workers must read the temp folder
    conf.write_text(
        user + f"daemon off; worker_processes 1; pid {work}/nginx.pid;\n"
        f"error_log {work}/logs/error.log;\n"
        "events { worker_connections 64; }\n"
        f"http {{ access_log off; sendfile on; client_body_temp_path {work}/tmp;\n"
        f"  proxy_temp_path {work}/tmp; fastcgi_temp_path {work}/tmp; uwsgi_temp_path {work}/tmp;\n"
        f"  scgi_temp_path {work}/tmp;\n"
        f"  server {{ listen 127.0.0.1:{port}; root {root}; }} }}\n"
    )
    return subprocess.Popen([nginx, "-p", str(work), "-c", str(conf)])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=256, help="total megabytes to import")
    parser.add_argument("--files", type=int, default=16)
    parser.add_argument("--serve-mb", type=int, default=256, help="size of the served file")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory(prefix="sx-bench-") as temp:
        temp = Path(temp)
        paths = make_files(temp / "incoming", args.files, args.mb)
        time_sha256sum(paths)  # warm the page cache for both contenders
        limit = args.mb * 1.048576 / time_sha256sum(paths)
        hash_only = args.mb * 1.048576 / time_hashlib(paths)
        collection = setup_django(temp / "data")
        rate = bench_import(collection, temp / "incoming", paths)
        print(f"import: {rate:.0f} MB/s  sha256sum: {limit:.0f} MB/s  ratio {rate / limit:.2f}"
              f"  (hashlib alone: {hash_only:.0f} MB/s, ratio {rate / hash_only:.2f})")  # fmt: skip
        large = make_files(temp / "large", 1, args.serve_mb, ".mp4")[0]
        item = publish_large(collection, large)
        served_path = Path(temp / "data" / "media" / item.key)
        ours, peer = free_port(), free_port()
        app = serve_shuxiang(temp / "data", ours)
        nginx = serve_nginx(served_path.parent, temp / "nginx", peer)
        try:
            app_url = f"http://127.0.0.1:{ours}/resources/{item.resource_id}/files/{item.pk}"
            wait_up(f"http://127.0.0.1:{ours}/healthz")
            app_rate = max(fetch_ranges(app_url, item.size) for _ in range(ROUNDS))
            line = f"range serving: shuxiang {app_rate:.0f} MB/s"
            if nginx is not None:
                nginx_url = f"http://127.0.0.1:{peer}/{served_path.name}"
                wait_up(nginx_url)
                nginx_rate = max(fetch_ranges(nginx_url, item.size) for _ in range(ROUNDS))
                line += f"  nginx: {nginx_rate:.0f} MB/s  ratio {app_rate / nginx_rate:.2f}"
            else:
                line += "  (nginx not installed: no peer figure)"
            print(line)
        finally:
            for process in (app, nginx):
                if process is not None:
                    process.terminate()
                    process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
