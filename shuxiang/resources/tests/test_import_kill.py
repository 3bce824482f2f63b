"""A batch import really killed (SIGKILL) at several points, then re-run until it finishes.

The import runs as the real ``shuxiang resources import`` command in its own process (an
embedded node of its own on the SQLite leg; the test database on the PostgreSQL leg), so each
kill lands wherever the work is: between rows, while a file is being stored, between storing
and committing. Afterwards every row is there exactly once, every stored file is
byte-identical to its source, and storage holds nothing that no record refers to.
"""

from __future__ import annotations

import csv
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from shuxiang.resources.tests.nodes import ROOT, SETUP, embedded_env, migrated_database

pytestmark = pytest.mark.django_db(transaction=True)
ROWS = 40
KILL_AT_ROWS = [1, 8, 20]  # the next kill comes once this many rows are done ...
KILL_DELAYS = [0.0, 0.15, 0.05]  # ... and this long after it (mid-row)


def shuxiang(env: dict, *args: str, **kwargs) -> subprocess.Popen:
    """A ``shuxiang`` command in its own process (used by other process tests too)."""
    command = [sys.executable, "-m", "shuxiang.cli", *args]
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **kwargs)  # fmt: skip


def embedded_node(tmp_path: Path) -> tuple[dict, Path]:
    """A fresh embedded node (its own SQLite data folder) with one library and collection."""
    database = migrated_database(tmp_path / "node")
    env = embedded_env(tmp_path / "node")
    process = shuxiang(env, "shell", "-c", SETUP)
    _out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()
    return env, database


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def incoming(tmp_path) -> Path:
    folder = tmp_path / "incoming"
    folder.mkdir()
    with open(folder / "manifest.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["file", "type", "subtype", "title"])
        for number in range(ROWS):
            (folder / f"{number}.mp3").write_bytes(os.urandom(2 * 1024 * 1024))
            writer.writerow([f"{number}.mp3", "audio", "recitation", f"卷{number:02d}"])
    return folder


def run_import(node, folder: Path):
    manifest = str(folder / "manifest.csv")
    arguments = ["--manifest", manifest, "--collection", "NLC/scans", "--no-progress"]
    return node.command("resources", "import", str(folder), *arguments)


def kill_when(node, process, rows: int, delay: float) -> int:
    deadline = time.monotonic() + 180
    while node.count("resources_importrow") < rows and time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()[1].decode()
        time.sleep(0.01)
    time.sleep(delay)
    process.send_signal(signal.SIGKILL)
    process.wait()
    return node.count("resources_importrow")


def test_import_killed_again_and_again_finishes_with_nothing_lost_or_twice(node, incoming):
    done = []
    for rows, delay in zip(KILL_AT_ROWS, KILL_DELAYS, strict=True):
        done.append(kill_when(node, run_import(node, incoming), rows, delay))
    assert done == sorted(done) and done[-1] < ROWS  # each run resumed, none got to the end
    last = run_import(node, incoming)
    out, err = last.communicate(timeout=300)
    assert last.returncode == 0, err.decode()
    assert f"{done[-1]} rows already done" in out.decode()
    assert node.count("resources_importrow") == ROWS
    assert node.rows("SELECT COUNT(DISTINCT number) FROM resources_importrow")[0][0] == ROWS
    stored = node.rows(
        "SELECT r.title, f.sha256, f.key FROM resources_resource r "
        "JOIN resources_resourcefile f ON f.resource_id = r.id ORDER BY r.title"
    )
    assert [title for title, _sha, _key in stored] == [f"卷{n:02d}" for n in range(ROWS)]
    for number, (_title, sha, key) in enumerate(stored):
        assert sha == sha256_of(incoming / f"{number}.mp3") == sha256_of(node.media / key)
    on_disk = {p.relative_to(node.media).as_posix() for p in node.media.rglob("*") if p.is_file()}
    assert on_disk == {key for _title, _sha, key in stored}  # no copy of a killed row, no temp
