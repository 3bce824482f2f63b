"""A batch import really killed (SIGKILL) midway, then re-run: finishes with no duplicates.

The import runs as the real ``shuxiang resources import`` command in its own process, on its
own embedded node (a fresh SQLite data folder), so the kill lands wherever the work is.
"""

from __future__ import annotations

import csv
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROWS = 40
SETUP = """
from shuxiang.core.actors import SYSTEM
from shuxiang.network import services as network
from shuxiang.resources import services
nlc = network.create_library({"code": "NLC", "name": "国家图书馆", "level": "national"}, by=SYSTEM)
services.create_collection(nlc, "scans", "扫描件", kind="independent", by=SYSTEM)
"""


def shuxiang(env: dict, *args: str, **kwargs) -> subprocess.Popen:
    command = [sys.executable, "-m", "shuxiang.cli", *args]
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            **kwargs)  # fmt: skip


def count(database: Path, table: str) -> int:
    with sqlite3.connect(database, timeout=5) as connection:
        return connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]


def embedded_node(tmp_path: Path) -> tuple[dict, Path]:
    """A fresh embedded node (its own SQLite data folder) with one library and collection."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHUXIANG_")}
    env.update(SHUXIANG_DATA_DIR=str(tmp_path / "node"), PYTHONPATH=str(Path.cwd()))
    for args in (("migrate", "-v", "0"), ("shell", "-c", SETUP)):
        process = shuxiang(env, *args)
        _out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err.decode()
    return env, tmp_path / "node" / "shuxiang.sqlite3"


@pytest.fixture
def node(tmp_path):
    env, database = embedded_node(tmp_path)
    folder = tmp_path / "incoming"
    folder.mkdir()
    with open(folder / "manifest.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "type", "title", "extra.category"])
        for number in range(ROWS):
            (folder / f"{number}.pdf").write_bytes(os.urandom(2 * 1024 * 1024))
            writer.writerow([f"{number}.pdf", "classic", f"卷{number}", "shi"])
    return env, folder, database


def run_import(env: dict, folder: Path) -> subprocess.Popen:
    manifest = str(folder / "manifest.csv")
    arguments = ["--manifest", manifest, "--collection", "NLC/scans", "--no-progress"]
    return shuxiang(env, "resources", "import", str(folder), *arguments)


def test_import_killed_with_sigkill_resumes_and_finishes_without_duplicates(node):
    env, folder, database = node
    first = run_import(env, folder)
    deadline = time.monotonic() + 120
    while count(database, "resources_importrow") < 5 and time.monotonic() < deadline:
        assert first.poll() is None, first.communicate()[1].decode()
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait()
    done_when_killed = count(database, "resources_importrow")
    assert 5 <= done_when_killed < ROWS
    second = run_import(env, folder)
    out, err = second.communicate(timeout=300)
    assert second.returncode == 0, err.decode()
    assert f"{done_when_killed} rows already done" in out.decode()
    assert count(database, "resources_resource") == ROWS
    assert count(database, "resources_importrow") == ROWS
    with sqlite3.connect(database) as connection:
        fingerprints = connection.execute(
            "SELECT COUNT(DISTINCT fingerprint) FROM resources_resource"
        ).fetchone()[0]
    assert fingerprints == ROWS
