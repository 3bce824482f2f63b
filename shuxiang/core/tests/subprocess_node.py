"""A node run as real ``shuxiang`` processes, for kill tests (SIGKILL at awkward moments).

Embedded leg: a fresh data folder with its own SQLite database and huey queue, migrated by a
real ``shuxiang migrate``. Server leg (the tests run with ``SHUXIANG_DATABASE_URL``): the test
database itself and the test Redis, so the test must be transactional.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


@dataclass
class Node:
    env: dict
    data: Path
    server_mode: bool

    def start(self, *args: str, **env: str) -> subprocess.Popen:
        """Start ``shuxiang <args>`` on this node (extra environment variables as keywords).

        Its output goes to a log file in the data folder (``process.log``), never to a pipe
        nobody reads, which would stall a long-running process.
        """
        log = self.data / f"process-{time.monotonic_ns()}.log"
        with open(log, "w") as handle:
            process = subprocess.Popen(
                [sys.executable, "-m", "shuxiang.cli", *args],
                env={**self.env, **env},
                cwd=ROOT,
                stdout=handle,
                stderr=subprocess.STDOUT,
            )
        process.log = log
        return process

    def run(self, *args: str, timeout: float = 180, **env: str) -> str:
        """Run ``shuxiang <args>`` to its end; its output, or an AssertionError with stderr."""
        result = subprocess.run(
            [sys.executable, "-m", "shuxiang.cli", *args],
            env={**self.env, **env},
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, f"shuxiang {' '.join(args)} failed:\n{result.stderr[-3000:]}"
        return result.stdout

    def python(self, code: str, timeout: float = 120, **env: str) -> str:
        return self.run("shell", "-c", code, timeout=timeout, **env)

    def query(self, sql: str) -> list[tuple]:
        """Rows of ``sql`` read straight from the node's database (while processes write)."""
        if self.server_mode:
            from django.db import connection

            with connection.cursor() as cursor:
                cursor.execute(sql)
                return cursor.fetchall()
        with sqlite3.connect(self.data / "shuxiang.sqlite3", timeout=10) as connection:
            return connection.execute(sql).fetchall()

    def scalar(self, sql: str):
        return self.query(sql)[0][0]


def make_node(tmp_path: Path) -> Node:
    """A node for this leg: a fresh migrated embedded node, or the server-mode test database."""
    from django.db import connection

    data = tmp_path / "node"
    data.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHUXIANG_")}
    env.update(SHUXIANG_DATA_DIR=str(data), PYTHONPATH=str(ROOT), SHUXIANG_STATS_FLUSH_SECONDS="0")
    server_mode = connection.vendor == "postgresql"
    if server_mode:
        db = connection.settings_dict
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        env["SHUXIANG_DATABASE_URL"] = f"postgresql://{db['USER']}@{host}/{db['NAME']}"
        env["SHUXIANG_REDIS_URL"] = os.environ["SHUXIANG_REDIS_URL"]
    node = Node(env, data, server_mode)
    if not server_mode:
        shutil.copyfile(_migrated_database(env), data / "shuxiang.sqlite3")
    return node


_TEMPLATE: list[Path] = []


def _migrated_database(env: dict) -> Path:
    """An embedded database migrated once per test session (``migrate`` takes a while)."""
    if not _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="shuxiang-node-template-"))
        Node({**env, "SHUXIANG_DATA_DIR": str(folder)}, folder, False).run(
            "migrate", "-v", "0", timeout=300
        )
        with sqlite3.connect(folder / "shuxiang.sqlite3") as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _TEMPLATE.append(folder / "shuxiang.sqlite3")
    return _TEMPLATE[0]


def kill_when(
    process: subprocess.Popen, ready: Callable[[], bool], *, timeout: float = 120
) -> None:
    """SIGKILL ``process`` as soon as ``ready()`` holds; fail if it ends or time runs out first."""
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None:
            output = process.log.read_text(errors="replace")[-3000:]
            raise AssertionError(f"the process ended before the kill point:\n{output}")
        assert time.monotonic() < deadline, "the kill point was never reached"
        time.sleep(0.005)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()


def stop(process: subprocess.Popen) -> None:
    """SIGKILL a process this test started, if it still runs."""
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()
