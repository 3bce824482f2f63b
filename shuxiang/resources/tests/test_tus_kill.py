"""A real ``shuxiang serve`` killed (SIGKILL) while it finishes an 80 MB tus upload.

The independent tus client (tuspy) uploads; the test watches the server's part file and kills
the process mid-transfer, at the moment the last byte lands, and 40 ms and 250 ms after it
(while the bytes are hashed and moved, the resource rows written). After a restart the client
resumes as a browser would. Every upload must end as exactly one resource whose stored file
is byte-identical to what was sent, with no part file and no unreferenced stored file left.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from pathlib import Path

import pytest
from tusclient.client import TusClient

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
SIZE = 80 * 1024 * 1024
KILLS = [("mid-transfer", None), ("last byte", 0.0), ("40 ms after", 0.04), ("250 ms", 0.25)]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def source_files(folder: Path) -> list[Path]:
    """One 80 MB file per kill point (each different, so none is refused as a duplicate)."""
    base = bytearray(os.urandom(SIZE))
    files = []
    for number in range(len(KILLS)):
        base[:8] = number.to_bytes(8, "big")
        path = folder / f"recitation-{number}.mp3"
        path.write_bytes(base)
        files.append(path)
    return files


def client_for(node) -> TusClient:
    return TusClient(
        node.url + "/resources/uploads/", headers={"Authorization": f"Bearer {node.token}"}
    )


def wait_for_part(part: Path, size: int, uploading: threading.Thread) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and uploading.is_alive():
        if part.exists() and part.stat().st_size >= size:
            return
        time.sleep(0.002)
    raise AssertionError(f"the part file never reached {size} bytes")


def upload_and_kill(node, path: Path, collection_id: str, delay: float | None) -> str:
    """Start uploading ``path``; SIGKILL the server at the chosen moment; return the URL."""
    metadata = {"filename": path.name, "collection": collection_id, "type": "audio",
                "subtype": "recitation", "title": f"朗诵 {path.stem}"}  # fmt: skip
    uploader = client_for(node).uploader(
        file_path=str(path), chunk_size=16 * 1024 * 1024, metadata=metadata, retries=0
    )
    uploader.set_url(uploader.create_url())
    part = node.data_dir / "uploads" / f"{uploader.url.rsplit('/', 1)[1]}.part"
    failures: list[Exception] = []

    def send() -> None:
        try:
            uploader.upload()
        except Exception as exc:  # the server died under it
            failures.append(exc)

    sending = threading.Thread(target=send)
    sending.start()
    wait_for_part(part, SIZE // 2 if delay is None else SIZE, sending)
    time.sleep(delay or 0)
    node.kill()
    sending.join(timeout=60)
    upload_id = uploader.url.rsplit("/", 1)[1]
    state = node.rows(
        'SELECT "offset", length, finished_at FROM resources_upload '
        f"WHERE id IN ('{upload_id}', '{upload_id.replace('-', '')}')"
    )
    print(f"killed {delay}: offset/length/finished {state}")
    return uploader.url


def resume(node, path: Path, url: str) -> None:
    """What the browser does next: ask the offset, send what is missing."""
    client_for(node).uploader(file_path=str(path), url=url, chunk_size=16 * 1024 * 1024).upload()


def wait_until_finished(node, upload_id: str) -> tuple:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        rows = node.rows(
            "SELECT resource_id, finished_at, error FROM resources_upload "
            f"WHERE id IN ('{upload_id}', '{upload_id.replace('-', '')}')"
        )
        if rows and (rows[0][1] is not None or rows[0][2]):
            return rows[0]
        time.sleep(0.1)
    raise AssertionError(f"upload {upload_id} never finished")


def test_uploads_killed_while_finishing_end_as_one_byte_identical_resource_each(tmp_path, node):
    files = source_files(tmp_path)
    collection_id = str(node.rows("SELECT id FROM resources_collection")[0][0])
    urls = []
    for path, (_moment, delay) in zip(files, KILLS, strict=True):
        node.start()
        urls.append(upload_and_kill(node, path, collection_id, delay))
        node.start()  # the pass at start may already finish it
        resume(node, path, urls[-1])
        _resource, _finished, error = wait_until_finished(node, urls[-1].rsplit("/", 1)[1])
        assert not error, error
        node.stop()
    stored = node.rows(
        "SELECT f.sha256, f.key, f.size FROM resources_resourcefile f "
        "JOIN resources_resource r ON r.id = f.resource_id ORDER BY r.title"
    )
    assert [row[0] for row in stored] == [sha256_of(path) for path in files]  # none lost or twice
    assert node.count("resources_resource") == len(files)
    for sha, key, size in stored:
        assert (node.media / key).stat().st_size == size == SIZE
        assert sha256_of(node.media / key) == sha
    on_disk = {p.relative_to(node.media).as_posix() for p in node.media.rglob("*") if p.is_file()}
    assert on_disk == {row[1] for row in stored}  # no stray copy, no half-written temp file
    assert not list((node.data_dir / "uploads").glob("*"))
