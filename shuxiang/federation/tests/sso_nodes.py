"""Real nodes for the SSO end-to-end test: ``shuxiang serve`` processes on loopback ports.

Each node has its own data folder and SQLite database (the embedded default, whose task
consumer runs inside ``serve``), is migrated by a real ``shuxiang migrate`` and set up with
``shuxiang shell -c``. Started once per test module; every wait is bounded; the processes are
killed in teardown.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[3]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class ServedNode:
    name: str
    data: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHUXIANG_")}
        env.update(
            SHUXIANG_DATA_DIR=str(self.data),
            SHUXIANG_BASE_URL=self.url,
            SHUXIANG_NODE_NAME=self.name,
            SHUXIANG_COOKIE_PREFIX=f"n{self.port}-",
            PYTHONPATH=str(ROOT),
            NO_PROXY="127.0.0.1",
        )
        return env

    def cli(self, *args: str, timeout: float = 300) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "shuxiang.cli", *args],
            env=self.env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, f"{self.name}: shuxiang {args[0]} failed:\n{result.stderr}"
        return result.stdout

    def run(self, code: str) -> str:
        return self.cli("shell", "--no-imports", "-c", code)

    def start(self) -> None:
        log = open(self.data / "serve.log", "w")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "shuxiang.cli", "serve", "--port", str(self.port)],
            env=self.env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            assert self.process.poll() is None, (self.data / "serve.log").read_text()[-3000:]
            try:
                if requests.get(self.url + "/healthz", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                time.sleep(0.3)
        raise AssertionError(f"{self.name} did not start in 90 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=30)


NETWORK = """
from shuxiang.network.divisions import load_divisions
from shuxiang.network.tests.factories import small_network
load_divisions(progress=False)
net = small_network()
"""


def national_setup(child_url: str) -> str:
    """The national node: a reader of Zhuji, a national administrator, the province as child."""
    return (
        NETWORK
        + f"""
from django.utils import timezone
from shuxiang.accounts.models import StaffRole
from shuxiang.accounts.tests.factories import reader, user
from shuxiang.federation.models import HostedLibrary, Node
reader(net["zhuji"], mobile="13700001111", name="张三")
boss = user("nlc-admin")
boss.set_password("read2026"); boss.save()
StaffRole.objects.create(user=boss, library=net["nlc"], role="admin")
node = Node.objects.create(name="浙江省节点", base_url="{child_url}", relation="child",
                           status="approved", approved_at=timezone.now())
HostedLibrary.objects.create(node=node, library=net["zj"])
"""
    )


def province_setup(parent_url: str) -> str:
    """The provincial node: the national node as its approved parent."""
    return (
        NETWORK
        + f"""
from django.utils import timezone
from shuxiang.federation.models import Node
Node.objects.create(name="国家图书馆", base_url="{parent_url}", relation="parent",
                    status="approved", approved_at=timezone.now())
"""
    )
