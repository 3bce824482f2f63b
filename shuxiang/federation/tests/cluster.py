"""Three real nodes for end-to-end federation tests: national, province (Zhejiang), city (Hangzhou).

Each node is its own ``shuxiang serve`` process with its own database and data folder on a
loopback port. The national node runs on PostgreSQL (its own database next to the test
database, and the test run's Redis) when the PostgreSQL leg runs, else on SQLite; the province
and the city always run on SQLite. The cluster is started once per test session, the city joins
the province and the province the national node, and both are approved (``federation join`` and
``federation approve``, the real commands over signed HTTP). Tasks run inline in every node
(``SHUXIANG_TASKS_IMMEDIATE``), so a decision reaches the child before ``approve`` returns.

Use ``cluster.national`` / ``.province`` / ``.city``: ``.url``, ``.run(code) -> stdout`` (Python
run inside that node's Django through ``shuxiang shell -c``), ``.cli(*args) -> stdout``, and
``.token`` (an API token of the node's superuser ``admin``).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
START_SECONDS = 90
COMMAND_SECONDS = 300

# Each node's library tree: libraries hosted elsewhere carry the hosting node's name.
TREES = {
    "national": [("NLC", "国家图书馆", "national", "", "local")],
    "province": [
        ("NLC", "国家图书馆", "national", "", "national"),
        ("ZJLIB", "浙江图书馆", "provincial", "NLC", "local"),
    ],
    "city": [
        ("NLC", "国家图书馆", "national", "", "national"),
        ("ZJLIB", "浙江图书馆", "provincial", "NLC", "province"),
        ("HZLIB", "杭州图书馆", "city", "ZJLIB", "local"),
    ],
}
SETUP = """
from shuxiang.accounts.services import issue_api_token
from shuxiang.accounts.tests.factories import user
from shuxiang.core.actors import SYSTEM
from shuxiang.network import services as network
for code, name, level, parent, node in {tree!r}:
    network.create_library(
        {{"code": code, "name": name, "level": level, "parent": parent or None, "node": node}},
        by=SYSTEM,
    )
admin = user("admin", is_superuser=True, is_staff=True)
print("TOKEN", issue_api_token(admin, "cluster"))
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class ClusterNode:
    """One node: its environment, data folder and server process."""

    role: str
    name: str
    data_dir: Path
    database_url: str = ""
    redis_url: str = ""
    port: int = field(default_factory=free_port)
    token: str = ""
    server: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHUXIANG_")}
        env.update(
            SHUXIANG_DATA_DIR=str(self.data_dir),
            SHUXIANG_BASE_URL=self.url,
            SHUXIANG_NODE_NAME=self.name,
            SHUXIANG_ALLOWED_HOSTS="127.0.0.1,localhost",
            SHUXIANG_TASKS_IMMEDIATE="true",
            SHUXIANG_FEDERATION_OAI_PAGE_SIZE="50",  # a few hundred records: several pages
            PYTHONPATH=str(ROOT),
        )
        if self.database_url:
            env.update(SHUXIANG_DATABASE_URL=self.database_url, SHUXIANG_REDIS_URL=self.redis_url)
        return env

    def cli(self, *args: str, timeout: float = COMMAND_SECONDS, check: bool = True) -> str:
        """Run ``shuxiang <args>`` in this node; its stdout (stderr too on failure)."""
        process = subprocess.run(
            [sys.executable, "-m", "shuxiang.cli", *args], env=self.env, cwd=ROOT,
            capture_output=True, timeout=timeout, text=True,
        )  # fmt: skip
        if check and process.returncode != 0:
            raise AssertionError(
                f"{self.role}: shuxiang {' '.join(args)} failed ({process.returncode}):\n"
                f"{process.stdout[-2000:]}\n{process.stderr[-4000:]}"
            )
        return process.stdout

    def run(self, code: str, timeout: float = COMMAND_SECONDS) -> str:
        """Run Python ``code`` inside this node's Django; what it printed."""
        return self.cli("shell", "-v", "0", "-c", code, timeout=timeout)

    def start(self) -> ClusterNode:
        log = open(self.data_dir / "serve.log", "ab")  # noqa: SIM115 - kept for the process
        self.server = subprocess.Popen(
            [sys.executable, "-m", "shuxiang.cli", "serve", "--port", str(self.port)],
            env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        return self

    def wait(self) -> ClusterNode:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.server.poll() is not None:
                raise AssertionError(f"{self.role} exited while starting:\n{self.log()[-4000:]}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"{self.role} did not listen within {START_SECONDS} s")

    def log(self) -> str:
        path = self.data_dir / "serve.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        if self.server is None or self.server.poll() is not None:
            self.server = None
            return
        self.server.send_signal(signal.SIGTERM)
        try:
            self.server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait(timeout=20)
        self.server = None

    def kill(self) -> None:
        """SIGKILL the server (fault tests); ``start().wait()`` brings it back on its port."""
        if self.server is not None and self.server.poll() is None:
            self.server.kill()
            self.server.wait(timeout=20)
        self.server = None

    def status(self) -> dict:
        return json.loads(self.cli("federation", "status", "--json"))


class Cluster:
    def __init__(self, base: Path, pg: dict | None = None, redis_url: str = ""):
        self.base = base
        self.pg = pg
        national_db = ""
        if pg:
            self.pg_name = f"{pg['NAME']}_fed_national"[:63]
            host = f"{pg.get('HOST') or '127.0.0.1'}:{pg.get('PORT') or 5432}"
            national_db = f"postgresql://{pg['USER']}@{host}/{self.pg_name}"
        self.national = ClusterNode(
            "national", "国家中心节点", base / "national", national_db, redis_url
        )
        self.province = ClusterNode("province", "浙江省节点", base / "province")
        self.city = ClusterNode("city", "杭州市节点", base / "city")

    @property
    def nodes(self) -> list[ClusterNode]:
        return [self.national, self.province, self.city]

    def _create_pg_database(self) -> None:
        import psycopg

        pg = self.pg
        with psycopg.connect(
            host=pg.get("HOST") or "127.0.0.1", port=pg.get("PORT") or 5432,
            user=pg["USER"], password=pg.get("PASSWORD") or None, dbname="postgres",
            autocommit=True,
        ) as conn:  # fmt: skip
            conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')
            if self.pg_name != "-":
                conn.execute(f'CREATE DATABASE "{self.pg_name}"')

    def drop_pg_database(self) -> None:
        if self.pg:
            import psycopg

            pg = self.pg
            with psycopg.connect(
                host=pg.get("HOST") or "127.0.0.1", port=pg.get("PORT") or 5432,
                user=pg["USER"], password=pg.get("PASSWORD") or None, dbname="postgres",
                autocommit=True,
            ) as conn:  # fmt: skip
                conn.execute(f'DROP DATABASE IF EXISTS "{self.pg_name}" WITH (FORCE)')

    def _migrate(self) -> None:
        """Migrate one SQLite template (copied for each SQLite node) and the PG database."""
        template = self.base / "template"
        template.mkdir(parents=True)
        migrations = [ClusterNode("template", "template", template)]
        if self.pg:
            self._create_pg_database()
            migrations.append(self.national)
        for node in self.nodes:
            node.data_dir.mkdir(parents=True)
        processes = [
            subprocess.Popen(
                [sys.executable, "-m", "shuxiang.cli", "migrate", "-v", "0"],
                env=node.env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            for node in migrations
        ]
        for process in processes:
            _out, err = process.communicate(timeout=COMMAND_SECONDS)
            assert process.returncode == 0, err[-4000:]
        for node in self.nodes:
            if not node.database_url:
                shutil.copyfile(template / "shuxiang.sqlite3", node.data_dir / "shuxiang.sqlite3")

    def _set_up(self) -> None:
        """Each node's libraries and admin, in parallel (one ``shell`` process per node)."""
        processes = {
            node.role: subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "shuxiang.cli",
                    "shell",
                    "-v",
                    "0",
                    "-c",
                    SETUP.format(tree=TREES[node.role]),
                ],
                env=node.env,
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            for node in self.nodes
        }
        for node in self.nodes:
            out, err = processes[node.role].communicate(timeout=COMMAND_SECONDS)
            assert processes[node.role].returncode == 0, err[-4000:]
            node.token = out.split("TOKEN", 1)[1].strip()

    def start(self) -> Cluster:
        self._migrate()
        self._set_up()
        for node in self.nodes:
            node.start()
        for node in self.nodes:
            node.wait()
        self.join(self.province, self.national)
        self.join(self.city, self.province)
        return self

    def join(self, child: ClusterNode, parent: ClusterNode) -> None:
        """The real join flow: the child asks, the parent approves, the child learns it."""
        child.cli("federation", "join", parent.url)
        parent.cli("federation", "approve", child.url)
        status = child.status()
        [mine] = [n for n in status["nodes"] if n["relation"] == "parent"]
        if mine["status"] != "approved":  # the decision is also pushed; ask once if it was lost
            child.cli("federation", "status", "--refresh")
            status = child.status()
            [mine] = [n for n in status["nodes"] if n["relation"] == "parent"]
        assert mine["status"] == "approved", status

    def spare(self, role: str, name: str) -> ClusterNode:
        """A further SQLite node (migrated, empty, not serving) for tests that spoil it."""
        node = ClusterNode(role, name, self.base / role)
        node.data_dir.mkdir(parents=True)
        shutil.copyfile(
            self.base / "template" / "shuxiang.sqlite3", node.data_dir / "shuxiang.sqlite3"
        )
        return node

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()
        self.drop_pg_database()
