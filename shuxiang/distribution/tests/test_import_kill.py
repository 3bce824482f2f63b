"""A package import really killed (SIGKILL) while staging files and between item batches,
then run again until it finishes: every item is there once, every stored file is
byte-identical to the bag's, and the store holds nothing no record refers to.

The node is a real ``shuxiang`` process (see ``resources.tests.nodes``): it holds a national
library with 450 published recordings (a few large, most small), builds and exports the
package with the CLI, and imports it into a provincial library with the CLI.
"""

from __future__ import annotations

import hashlib
import signal
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db(transaction=True)
ITEMS = 450
SOURCE = f"""
import io, os
from shuxiang.core.actors import SYSTEM
from shuxiang.network import services as network
from shuxiang.network.models import Library
from shuxiang.resources.models import Collection, Resource, ResourceFile
from shuxiang.resources.storage import get_storage
nlc = Library.objects.get(code="NLC")
network.create_library(
    {{"code": "330000", "name": "浙江图书馆", "level": "provincial", "parent": "NLC"}}, by=SYSTEM
)
scans = Collection.objects.get(library=nlc, code="scans")
storage = get_storage()
for n in range({ITEMS}):
    size = 6 * 1024 * 1024 if n % 50 == 0 else 30 * 1024
    stored = storage.save(f"resources/NLC/kill/{{n:04d}}.mp3", io.BytesIO(os.urandom(size)))
    r = Resource.objects.create(
        collection=scans, library=nlc, type="audio", subtype="recitation",
        title=f"卷{{n:03d}}", status="published", fingerprint=stored.sha256,
    )
    ResourceFile.objects.create(
        resource=r, role="original", order=0, key=stored.key, filename=f"{{n}}.mp3",
        content_type="audio/mpeg", size=stored.size, sha256=stored.sha256,
    )
"""


def wait_for(node, process, ready, what: str) -> None:
    deadline = time.monotonic() + 180
    while not ready():
        assert process.poll() is None, f"ended before {what}: " + process.communicate()[1].decode()
        assert time.monotonic() < deadline, f"no {what} within 180 s"
        time.sleep(0.005)


def staged_files(node) -> int:
    folder = node.media / "packages" / "330000"
    return sum(1 for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0


def position(node) -> int:
    rows = node.rows("SELECT MAX(position) FROM distribution_importrun")
    return rows[0][0] or 0


def sha256_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_import_killed_while_staging_and_applying_finishes_once(node, tmp_path):
    node.run("shell", "-c", SOURCE)
    node.run("packages", "create", "NLC", "big", "--title", "大包", "--collection", "NLC/scans")
    node.run("packages", "build", "NLC/big", "--no-progress")
    drive = tmp_path / "drive"
    drive.mkdir()
    node.run("packages", "export", "NLC/big", "--to", str(drive), "--no-progress")
    bag = drive / "NLC-big-v1"
    importing = ("packages", "import", str(bag), "--into", "330000", "--no-progress")

    first = node.command(*importing)
    wait_for(node, first, lambda: staged_files(node) >= 20, "staged files")
    first.send_signal(signal.SIGKILL)
    first.wait()
    assert node.count("resources_resource") == ITEMS  # nothing published while staging

    second = node.command(*importing)
    wait_for(node, second, lambda: position(node) >= 200, "a committed batch")
    second.send_signal(signal.SIGKILL)
    second.wait()
    applied = position(node)
    assert 200 <= applied < ITEMS

    node.run(*importing)
    again = node.run(*importing)
    assert "already imported" in again

    imported = node.rows(
        "SELECT r.title, f.sha256, f.key FROM resources_resource r "
        "JOIN resources_resourcefile f ON f.resource_id = r.id "
        "JOIN network_library l ON l.id = r.library_id WHERE l.code = '330000' ORDER BY r.title"
    )
    assert [title for title, _sha, _key in imported] == [f"卷{n:03d}" for n in range(ITEMS)]
    manifest = dict(
        line.split("  ", 1)[::-1] for line in (bag / "manifest-sha256.txt").read_text().splitlines()
    )
    for n, (_title, sha, key) in enumerate(imported):
        assert sha == sha256_of(node.media / key)
        assert sha in manifest.values(), n
    on_disk = {
        p.relative_to(node.media).as_posix()
        for p in (node.media / "packages").rglob("*")
        if p.is_file()
    }
    assert on_disk == {key for _title, _sha, key in imported}  # no temporary, no second copy
    assert node.count("distribution_importedresource") == ITEMS
    runs = node.rows("SELECT state, COUNT(*) FROM distribution_importrun GROUP BY state")
    assert dict(runs) == {"done": 1}
