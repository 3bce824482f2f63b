"""The servers ``bench/portal.py`` measures: the serving setups of the same code, nginx for the
saved pages, a revision's source tree for ``--baseline``, and each server's processor time."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

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
    # the production command: uvicorn over the ASGI application (fronts, then Django on a pool
    # of threads: shuxiang.core.threads)
    "serve": (lambda port, n: ["-m", "shuxiang.cli", "serve", "--port", str(port),
                               "--workers", str(n)], {}),
    # the same command with Django's own ASGI handler (a thread per request), as before
    "serve-django-asgi": (lambda port, n: ["-m", "shuxiang.cli", "serve", "--port", str(port),
                                           "--workers", str(n)], {"SHUXIANG_DJANGO_THREADS": "0"}),
    "granian-asgi": (lambda port, n: ["-m", "granian", "--interface", "asgi", "--workers", str(n),
                                      "--port", str(port), "--no-ws",
                                      "shuxiang.asgi:application"], {}),
    "granian-wsgi": (lambda port, n: ["-m", "granian", "--interface", "wsgi", "--workers", str(n),
                                      "--port", str(port), "shuxiang.wsgi:application"], {}),
    "gunicorn-wsgi": (lambda port, n: ["-m", "gunicorn", "-w", str(n), "-b", f"127.0.0.1:{port}",
                                       "shuxiang.wsgi:application"], {}),
}  # fmt: skip


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


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


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | None) -> float:
    """Processor time (user + system) used so far by process ``pid`` and its children that
    are alive: what one request costs the server, whatever else the machine is doing."""
    if pid is None:
        return 0.0
    total, pending = 0.0, [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / TICKS
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        pending += [int(child) for child in children]
    return total


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def start_server(setup: str, port: int, args, data_dir: str, log: Path, tree: Path | None = None):
    """A server of ``setup`` on ``port`` (from source tree ``tree`` when given), once it answers."""
    command, extra_env = SETUPS[setup]
    env = {**server_environment(data_dir), **extra_env}
    if tree is not None:
        env["PYTHONPATH"] = str(tree)
    server = subprocess.Popen(
        [sys.executable, *command(port, args.workers)],
        env=env,
        cwd=str(tree) if tree else None,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    try:
        wait_until_up(f"http://127.0.0.1:{port}/healthz", 90)
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
