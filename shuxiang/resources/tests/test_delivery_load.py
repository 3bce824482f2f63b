"""Thousands of downloads opened and abandoned against a real ``shuxiang serve`` (uvicorn).

Readers who close the tab mid-video are the normal case: every moment of a response (before
the headers, right after them, mid-body; a polite close or a reset) is abandoned again and
again, ranged and whole. The server must stay up, keep answering byte-exact, and hold its
memory (RSS) and open file handles flat. Bounded by SHUXIANG_LOAD_SECONDS (default 40 s).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
import socket
import struct
import time
from pathlib import Path

import pytest
import requests

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
SECONDS = float(os.environ.get("SHUXIANG_LOAD_SECONDS", "40"))
CONCURRENCY = 48
SIZE = 6 * 1024 * 1024 + 7
PUBLISH = """
import io, os
from shuxiang.core.actors import SYSTEM
from shuxiang.resources import services
from shuxiang.resources.models import Collection
collection = Collection.objects.get(code="scans")
data = bytes(range(256)) * ({size} // 256) + b"x" * ({size} % 256)
resource = services.create_resource(
    {{"type": "audio", "subtype": "recitation", "title": "朗诵"}}, collection=collection, by=SYSTEM,
    files=[services.Upload("recitation.mp3", io.BytesIO(data))],
)
services.submit(resource, by=SYSTEM)
services.publish(resource, by=SYSTEM)
item = resource.files.get(role="original")
print("PATH", f"/resources/{{resource.pk}}/files/{{item.pk}}")
"""
RANGES = ["", "bytes=0-", "bytes=1-", "bytes=1000-2000000", "bytes=-4096", "bytes=5000000-"]


def content() -> bytes:
    return bytes(range(256)) * (SIZE // 256) + b"x" * (SIZE % 256)


def rss_and_handles(pid: int) -> tuple[int, int]:
    """Resident memory (bytes) and open file descriptors of a process, from /proc."""
    pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE"), len(os.listdir(f"/proc/{pid}/fd"))


async def abandon_one(port: int, path: str, rng: random.Random) -> None:
    """One GET, abandoned at a random moment; half the time with a TCP reset."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    header = rng.choice(RANGES)
    request = f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
    request += f"Range: {header}\r\n" if header else ""
    writer.write((request + "\r\n").encode())
    try:
        moment = rng.random()
        if moment < 0.2:
            await writer.drain()
        elif moment < 0.6:
            await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
        else:
            await asyncio.wait_for(reader.readexactly(rng.randint(1, 400_000)), 10)
    except (TimeoutError, asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        if rng.random() < 0.5:
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        writer.close()


async def abandon_until(port: int, path: str, deadline: float, seed: int) -> int:
    rng = random.Random(seed)
    done = 0
    while time.monotonic() < deadline:
        await abandon_one(port, path, rng)
        done += 1
    return done


async def abandon_many(port: int, path: str, seconds: float) -> int:
    deadline = time.monotonic() + seconds
    counts = await asyncio.gather(
        *(abandon_until(port, path, deadline, seed) for seed in range(CONCURRENCY))
    )
    return sum(counts)


def settle(pid: int, baseline_handles: int) -> tuple[int, int]:
    """Measure after in-flight work drained (at most 10 s for handles to come back)."""
    deadline = time.monotonic() + 10
    while True:
        rss, handles = rss_and_handles(pid)
        if handles <= baseline_handles + 4 or time.monotonic() > deadline:
            return rss, handles
        time.sleep(0.2)


def test_abandoned_downloads_leave_the_server_up_with_flat_memory_and_handles(tmp_path, node):
    node.env["SHUXIANG_DOWNLOAD_QUOTA"] = "0"  # one address opens thousands: no daily limit
    path = node.run("shell", "-c", PUBLISH.format(size=SIZE)).split("PATH", 1)[1].strip()
    errors = tmp_path / "server.err"
    with open(errors, "wb") as log:
        node.start(stderr=log)
    try:
        url = node.url + path
        expected = hashlib.sha256(content()).hexdigest()
        assert hashlib.sha256(requests.get(url, timeout=30).content).hexdigest() == expected
        warm = asyncio.run(abandon_many(node.port, path, min(8.0, SECONDS / 4)))
        _rss, baseline_handles = settle(node.server.pid, 10_000)
        warm_rss, warm_handles = settle(node.server.pid, baseline_handles)
        opened = asyncio.run(abandon_many(node.port, path, SECONDS))
        assert node.server.poll() is None, errors.read_text()[-3000:]
        rss, handles = settle(node.server.pid, warm_handles)
        whole = requests.get(url, timeout=30)
        ranged = requests.get(url, headers={"Range": "bytes=1-"}, timeout=30)
    finally:
        node.stop()
    log_text = errors.read_text()
    print(f"abandoned {warm + opened} downloads; RSS {warm_rss >> 20} -> {rss >> 20} MiB; "
          f"handles {warm_handles} -> {handles}")  # fmt: skip
    assert opened >= 1000
    assert hashlib.sha256(whole.content).hexdigest() == expected
    assert (ranged.status_code, ranged.content) == (206, content()[1:])
    assert "Traceback" not in log_text and "already executing" not in log_text, log_text[-3000:]
    assert handles <= warm_handles + 4
    assert rss <= warm_rss + 48 * 2**20
