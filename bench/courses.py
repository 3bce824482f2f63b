"""Live-question fan-out: how long a question takes to reach 200 connected viewers.

A real ``shuxiang serve`` (uvicorn, the SSE fast path, embedded mode or server mode with the
environment's PostgreSQL/Redis) holds ``--viewers`` event streams of one lecture; a reader posts
``--questions`` questions through the JSON API, one at a time; each viewer notes when the
event arrives. Latency = arrival − the moment the POST was sent (database write, commit, fan-out
and delivery included), p50/p95 over every (question, viewer).

The practical limit, measured in the same run: a bare asyncio server (no framework, no
database) that echoes the same message to the same number of event streams on a POST —
what the loopback network, the event loop and this client cost on this machine.

    .venv/bin/python bench/courses.py [--viewers 200] [--questions 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import textwrap
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.common import setup_django  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

ECHO_SERVER = textwrap.dedent(
    """
    import asyncio, sys
    viewers = set()
    async def handle(reader, writer):
        try:
            head = await reader.readuntil(b"\\r\\n\\r\\n")
        except (asyncio.IncompleteReadError, ConnectionError):
            return  # a probe that only connected
        if head.startswith(b"GET"):
            writer.write(b"HTTP/1.1 200 OK\\r\\ncontent-type: text/event-stream\\r\\n\\r\\n")
            viewers.add(writer)
            await reader.read()  # until the viewer goes
            viewers.discard(writer)
            return
        length = int(head.lower().split(b"content-length:")[1].split(b"\\r\\n")[0])
        body = await reader.readexactly(length)
        message = b"id: " + body + b"\\nevent: question\\ndata: {}\\n\\n"
        for viewer in list(viewers):
            viewer.write(message)
        writer.write(b"HTTP/1.1 201 Created\\r\\ncontent-length: 0\\r\\n"
                     b"connection: close\\r\\n\\r\\n")
        await writer.drain()
        writer.close()
    async def main():
        server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]), backlog=1024)
        async with server:
            await server.serve_forever()
    asyncio.run(main())
    """
)


def prepare() -> tuple[int, str]:
    """A lecture and a reader's API token in a fresh node; returns (lecture id, token)."""
    from shuxiang.accounts.services import issue_api_token
    from shuxiang.accounts.tests.factories import user
    from shuxiang.core.actors import SYSTEM
    from shuxiang.courses import services
    from shuxiang.network.divisions import load_divisions
    from shuxiang.network.tests.factories import small_network

    load_divisions(progress=False)
    network = small_network()
    course = services.create_course(network["nlc"], {"title": "基准课程"}, by=SYSTEM)
    lecture = services.add_lecture(course, {"title": "直播"}, by=SYSTEM)
    return lecture.pk, issue_api_token(user("bench-reader"), "bench")


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port: int, seconds: float = 60) -> None:
    import socket

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"nothing listens on {port}")


class Viewer:
    """One event stream, noting when each event id arrives."""

    def __init__(self) -> None:
        self.arrivals: dict[str, float] = {}
        self.task: asyncio.Task | None = None

    async def watch(self, port: int, path: str, ready: asyncio.Event) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n"
                     .encode())  # fmt: skip
        await reader.readuntil(b"\r\n\r\n")
        ready.set()
        try:
            while True:
                line = await reader.readline()
                if not line:
                    return
                if line.startswith(b"id: "):
                    self.arrivals[line[4:].strip().decode()] = time.perf_counter()
        finally:
            writer.close()


async def post(port: int, path: str, body: bytes, headers: str) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}"
    writer.write(f"{head}Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
    status = int((await reader.readline()).split()[1])
    writer.close()
    return status


async def fan_out(
    port: int, events: str, ask, viewers: int, questions: int, offset: int = 0
) -> list[float]:
    """Latencies (ms) of ``questions`` questions to ``viewers`` connected viewers; one question
    asked before the viewers connect warms the server up (event ids then start at 1 + offset)."""
    await ask(0)
    watchers = [Viewer() for _ in range(viewers)]
    readies = [asyncio.Event() for _ in watchers]
    tasks = [
        asyncio.create_task(w.watch(port, events, r))
        for w, r in zip(watchers, readies, strict=True)
    ]
    await asyncio.wait_for(asyncio.gather(*(r.wait() for r in readies)), 60)
    await asyncio.sleep(0.5)
    latencies = []
    for number in range(1, questions + 1):
        sent = time.perf_counter()
        status = await ask(number)
        assert status == 201, f"posting answered {status}"
        deadline = time.perf_counter() + 10
        key = str(number + offset)
        while sum(key in w.arrivals for w in watchers) < viewers:
            if time.perf_counter() > deadline:
                raise RuntimeError(f"question {number} did not reach every viewer")
            await asyncio.sleep(0.002)
        latencies += [(w.arrivals[key] - sent) * 1000 for w in watchers]
        await asyncio.sleep(0.05)
    for task in tasks:
        task.cancel()
    return latencies


def summary(latencies: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(latencies, n=100)
    return statistics.median(latencies), cuts[94]


def server_environment() -> dict[str, str]:
    """This process's environment, pointing the server at the database the bench made."""
    from django.conf import settings

    env = dict(os.environ)
    env.setdefault("SHUXIANG_ALLOWED_HOSTS", "127.0.0.1")
    url = env.get("SHUXIANG_DATABASE_URL")
    if url:
        env["SHUXIANG_DATABASE_URL"] = (
            url.rsplit("/", 1)[0] + "/" + settings.DATABASES["default"]["NAME"]
        )
    return env


def run_node(viewers: int, questions: int) -> list[float]:
    lecture, token = prepare()
    port = free_port()
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/shuxiang"), "serve", "--port", str(port)],
        env=server_environment(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for(port)
        headers = f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        path = f"/api/v1/courses/lectures/{lecture}/questions"

        def ask(number: int):
            return post(port, path, b'{"text": "question %d"}' % number, headers)

        events = f"/courses/live/{lecture}/events"
        return asyncio.run(fan_out(port, events, ask, viewers, questions, offset=1))
    finally:
        server.terminate()
        server.wait(timeout=30)


def run_echo(viewers: int, questions: int) -> list[float]:
    port = free_port()
    server = subprocess.Popen([sys.executable, "-c", ECHO_SERVER, str(port)])
    try:
        wait_for(port)

        def ask(number: int):
            return post(port, "/publish", str(number).encode(), "")

        return asyncio.run(fan_out(port, "/events", ask, viewers, questions))
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--viewers", type=int, default=200)
    parser.add_argument("--questions", type=int, default=20)
    args = parser.parse_args()
    setup_django()
    mode = "server (PostgreSQL + Redis)" if os.environ.get("SHUXIANG_REDIS_URL") else "embedded"
    limit = summary(run_echo(args.viewers, args.questions))
    ours = summary(run_node(args.viewers, args.questions))
    print(f"live-question fan-out to {args.viewers} SSE viewers, {args.questions} questions, "
          f"{mode} mode, load {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(f"practical limit (bare asyncio echo): p50 {limit[0]:.1f} ms, p95 {limit[1]:.1f} ms")
    print(f"shuxiang serve (POST → commit → fan-out): p50 {ours[0]:.1f} ms, p95 {ours[1]:.1f} ms")
    print(f"p95 ratio to the limit: {ours[1] / limit[1]:.1f}x; p95 under 1 s: {ours[1] < 1000}")


if __name__ == "__main__":
    main()
