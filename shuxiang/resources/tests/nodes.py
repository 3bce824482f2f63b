"""Real node processes for kill and load tests: ``shuxiang`` commands and ``shuxiang serve``.

On the SQLite leg each node is a fresh embedded node (its own data folder and SQLite file,
migrated by the real command). On the PostgreSQL leg the node process shares the test
database and Redis (the test must be transactional), with its own data folder, so the test
reads what the process wrote through the ordinary ORM connection.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[3]
SETUP = """
from shuxiang.accounts.models import StaffRole
from shuxiang.accounts.services import issue_api_token
from shuxiang.accounts.tests.factories import user
from shuxiang.core.actors import SYSTEM
from shuxiang.network import services as network
from shuxiang.resources import services
nlc = network.create_library({"code": "NLC", "name": "国家图书馆", "level": "national"}, by=SYSTEM)
services.create_collection(nlc, "scans", "扫描件", kind="independent", by=SYSTEM)
person = user("uploader")
StaffRole.objects.create(user=person, library=nlc, role=StaffRole.Role.LIBRARIAN)
print("TOKEN", issue_api_token(person, "kill-test"))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def embedded_env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHUXIANG_")}
    env.update(SHUXIANG_DATA_DIR=str(data_dir), PYTHONPATH=str(ROOT))
    return env


def migrated_database(folder: Path) -> Path:
    """An embedded node's SQLite file, migrated once and copied for each node (fast)."""
    folder.mkdir(parents=True, exist_ok=True)
    process = subprocess.run(
        [sys.executable, "-m", "shuxiang.cli", "migrate", "-v", "0"],
        env=embedded_env(folder), cwd=ROOT, capture_output=True, timeout=300,
    )  # fmt: skip
    assert process.returncode == 0, process.stderr.decode()
    return folder / "shuxiang.sqlite3"


class Node:
    """One node's environment, its data folder, and read access to its database."""

    def __init__(self, tmp_path: Path, template: Path | None = None) -> None:
        self.data_dir = tmp_path / "node"
        self.data_dir.mkdir()
        self.template = template
        env = embedded_env(self.data_dir)
        self.server_mode = bool(settings.SERVER_MODE)
        if self.server_mode:
            db = connection.settings_dict
            host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
            env["SHUXIANG_DATABASE_URL"] = f"postgresql://{db['USER']}@{host}/{db['NAME']}"
            env["SHUXIANG_REDIS_URL"] = os.environ.get("SHUXIANG_REDIS_URL", "")
            env["SHUXIANG_TASKS_IMMEDIATE"] = "true"  # no worker runs here: tasks run inline
            env["SHUXIANG_ALLOWED_HOSTS"] = "127.0.0.1,localhost"  # server mode refuses "*"
        self.env = env
        self.token = ""
        self.server: subprocess.Popen | None = None
        self.port = 0

    def command(self, *args: str, **kwargs) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "shuxiang.cli", *args], env=self.env, cwd=ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs,
        )  # fmt: skip

    def run(self, *args: str, timeout: float = 180) -> str:
        process = self.command(*args)
        out, err = process.communicate(timeout=timeout)
        assert process.returncode == 0, err.decode()
        return out.decode()

    def set_up(self) -> Node:
        """Migrate (embedded only) and create the library, collection and an uploader."""
        if self.server_mode:
            pass
        elif self.template is not None:
            shutil.copyfile(self.template, self.data_dir / "shuxiang.sqlite3")
        else:
            self.run("migrate", "-v", "0")
        out = self.run("shell", "-c", SETUP)
        self.token = out.split("TOKEN", 1)[1].strip()
        return self

    def rows(self, sql: str) -> list[tuple]:
        if self.server_mode:
            with connection.cursor() as cursor:
                cursor.execute(sql)
                return list(cursor.fetchall())
        with sqlite3.connect(self.data_dir / "shuxiang.sqlite3", timeout=10) as db:
            return db.execute(sql).fetchall()

    def count(self, table: str) -> int:
        return self.rows(f"SELECT COUNT(*) FROM {table}")[0][0]

    @property
    def media(self) -> Path:
        return self.data_dir / "media"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, stderr=None) -> Node:
        """Start ``shuxiang serve`` (on the same port as before); return once it listens."""
        self.port = self.port or free_port()
        self.server = subprocess.Popen(
            [sys.executable, "-m", "shuxiang.cli", "serve", "--port", str(self.port)],
            env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL,
            stderr=stderr if stderr is not None else subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.server.poll() is None, "the server exited while starting"
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.05)
        raise AssertionError("the server did not start within 60 s")

    def kill(self) -> None:
        if self.server is not None and self.server.poll() is None:
            os.kill(self.server.pid, signal.SIGKILL)
        if self.server is not None:
            self.server.wait()
        self.server = None

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)
            try:
                self.server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        self.server = None
