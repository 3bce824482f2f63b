"""``shuxiang demo --federation``: a national node and a Zhejiang node on one machine.

Each node is its own ``shuxiang`` process with its own data folder and SQLite database under
``<data dir>/federation-demo/``: the national node loads the whole demo; the Zhejiang node holds
the Zhejiang libraries and a few records of its own. The Zhejiang node joins the national node,
the national node approves it and harvests it (``federation sync``), so national search finds
the Zhejiang records, and the Zhejiang login page offers "国家图书馆账号登录" for the national
demo readers. Running it again reuses both folders (idempotent).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import requests
from django.conf import settings
from tqdm import tqdm

START_SECONDS = 120

ZHEJIANG_SETUP = """
from shuxiang.catalog import services as catalog
from shuxiang.core.actors import SYSTEM
from shuxiang.network import services as network
from shuxiang.network.divisions import load_divisions
from shuxiang.network.models import Library
load_divisions(progress=False)
TREE = [
    ("NLC", "国家图书馆", "national", "", "national"),
    ("330000", "浙江图书馆", "provincial", "NLC", "local"),
    ("330100", "杭州图书馆", "city", "330000", "local"),
    ("330600", "绍兴图书馆", "city", "330000", "local"),
]
for code, name, level, parent, node in TREE:
    if not Library.objects.filter(code=code).exists():
        network.create_library(
            {"code": code, "name": name, "level": level, "parent": parent or None, "node": node},
            by=SYSTEM,
        )
RECORDS = [
    ("zj-1", "330000", "浙江图书馆藏《四库全书》文澜阁本", "文澜阁四库全书，浙江图书馆镇馆之宝。"),
    ("zj-2", "330100", "杭州西湖文献集成", "西湖历代文献汇编，杭州图书馆地方文献。"),
    ("zj-3", "330600", "绍兴鲁迅手稿选", "绍兴图书馆藏鲁迅先生手稿影印本。"),
]
for key, code, title, text in RECORDS:
    catalog.upsert_local_record(
        source_key="zhejiang-demo", library=Library.objects.get(code=code),
        payload={"id": key, "title": title, "description": text, "language": "zh"},
        access_policy="public", by=SYSTEM,
    )
"""
JOINED = """
from shuxiang.federation.models import Node
print("JOINED" if Node.parent() else "ALONE")
"""


@dataclass
class DemoNode:
    """One node of the demo federation: its folder, port and server process."""

    key: str
    name: str
    data: Path
    host: str
    port: int
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SHUXIANG_")}
        env.update(
            SHUXIANG_DATA_DIR=str(self.data),
            SHUXIANG_BASE_URL=self.url,
            SHUXIANG_NODE_NAME=self.name,
            SHUXIANG_COOKIE_PREFIX=f"{self.key}-",  # both nodes share the host's cookies
        )
        for name in ("SHUXIANG_DEMO_BOOKS", "SHUXIANG_TASKS_IMMEDIATE"):
            if name in os.environ:
                env[name] = os.environ[name]
        return env

    def cli(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "shuxiang.cli", *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=3600,
        )
        if done.returncode != 0:
            raise RuntimeError(f"{self.name}: shuxiang {args[0]} failed:\n{done.stderr[-3000:]}")
        return done.stdout

    def start(self) -> None:
        log = open(self.data / "serve.log", "ab")  # noqa: SIM115 - kept open for the process
        self.process = subprocess.Popen(
            [sys.executable, "-m", "shuxiang.cli", "serve", "--host", self.host, "--port",
             str(self.port)],
            env=self.env(), stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} stopped; see {self.data / 'serve.log'}")
            try:
                if requests.get(self.url + "/healthz", timeout=2).ok:
                    return
            except requests.RequestException:
                time.sleep(0.5)
        raise RuntimeError(f"{self.name} did not answer in {START_SECONDS} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()


def nodes(host: str, port: int) -> tuple[DemoNode, DemoNode]:
    base = Path(settings.DATA_DIR) / "federation-demo"
    national = DemoNode("national", "国家数字图书馆中心节点", base / "national", host, port)
    zhejiang = DemoNode("zhejiang", "浙江省节点", base / "zhejiang", host, port + 1)
    for node in (national, zhejiang):
        node.data.mkdir(parents=True, exist_ok=True)
    return national, zhejiang


def set_up(national: DemoNode, zhejiang: DemoNode, say: Callable[[str], None]) -> None:
    """Load both nodes, serve them, join and approve, harvest (progress bar per step)."""
    steps = [
        ("national demo data", lambda: national.cli("demo", "--no-serve", "--port",
                                                     str(national.port))),
        ("Zhejiang database", lambda: zhejiang.cli("migrate", "-v", "0")),
        ("Zhejiang libraries and records", lambda: zhejiang.cli("shell", "-c", ZHEJIANG_SETUP)),
        ("serving both nodes", lambda: (national.start(), zhejiang.start())),
        ("Zhejiang joins, the national node approves", lambda: _join(national, zhejiang)),
        ("national harvest of Zhejiang", lambda: national.cli("federation", "sync")),
    ]  # fmt: skip
    for label, step in tqdm(steps, desc="Federation demo", unit="step"):
        tqdm.write(f"  {label} …")
        step()
    say(f"National node: {national.url}/  ·  Zhejiang node: {zhejiang.url}/")


def _join(national: DemoNode, zhejiang: DemoNode) -> None:
    if "JOINED" in zhejiang.cli("shell", "-c", JOINED):
        return
    zhejiang.cli("federation", "join", national.url)
    national.cli("federation", "approve", zhejiang.url)


def run(host: str, port: int, *, serve: bool, say: Callable[[str], None]) -> None:
    """Start the demo federation; serve until interrupted (or stop after setting it up)."""
    national, zhejiang = nodes(host, port)
    try:
        set_up(national, zhejiang, say)
        say("Try: national search for 西湖 finds the Zhejiang record:")
        say(f"  {national.url}/search?q=西湖")
        say("Log in at Zhejiang with a national demo reader (国家图书馆账号登录):")
        say(f"  {zhejiang.url}/accounts/login/   reader 13800000001 / demo2026")
        if serve:
            say("Both nodes are serving (Ctrl+C stops them).")
            while all(node.process.poll() is None for node in (national, zhejiang)):
                time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        national.stop()
        zhejiang.stop()
