"""Server mode scales out: two ``shuxiang serve`` processes with separate data folders share
the search backend (PostgreSQL itself, or one Groonga server) and answer every query alike,
including records added after both started (no index folder of their own to fall behind)."""

from __future__ import annotations

import json
import signal
import subprocess
import urllib.parse

import pytest
from django.db import connection

from shuxiang.catalog.tests.factories import record
from shuxiang.core.tests.subprocess_node import make_node
from shuxiang.core.tests.test_server import fetch, free_port, wait_until_up

QUERIES = ["图书馆", "唐诗", "library", "li bai", "床前明月光", ""]


def _answers(base: str) -> list[tuple[int, list[int]]]:
    found = []
    for q in QUERIES:
        url = f"{base}/api/v1/catalog/search?" + urllib.parse.urlencode({"q": q, "page_size": 5})
        status, _headers, body = fetch(url)
        assert status == 200
        data = json.loads(body)
        found.append((data["total"], [hit["record"]["id"] for hit in data["hits"]]))
    return found


def _stop(process) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.fixture(params=["postgres", "groonga"])
def shared_backend(request, transactional_db):
    """The backend both processes share: its environment for them (this process indexes)."""
    if connection.vendor != "postgresql":
        pytest.skip("server mode (PostgreSQL) only: embedded nodes each keep their own index")
    if request.param == "postgres":
        yield {}
        return
    from shuxiang.catalog.search import base
    from shuxiang.catalog.search.groonga_backend import GroongaBackend

    url = request.getfixturevalue("groonga_url")
    backend = GroongaBackend(url)
    backend.clear()
    base.set_backend(backend)
    yield {"SHUXIANG_SEARCH_BACKEND": "groonga", "SHUXIANG_GROONGA_URL": url}
    base.set_backend(None)


def test_two_serve_processes_return_the_same_results(tmp_path, shared_backend):
    record("国家图书馆古籍目录", creators=["李明"], date="1998")
    record("靜夜思", creators=["李白"], description="牀前看月光，疑是地上霜。")
    record("唐詩三百首", creators=["蘅塘退士"], date="1763")
    record("Public Libraries", creators=["Jane Smith"], date="2015", language="en")
    processes, bases = [], []
    try:
        for name in ("one", "two"):
            (tmp_path / name).mkdir()
            node = make_node(tmp_path / name)
            port = free_port()
            base = f"http://127.0.0.1:{port}"
            processes.append(
                node.start(
                    "serve",
                    "--port",
                    str(port),
                    "--workers",
                    "1",
                    SHUXIANG_ALLOWED_HOSTS="127.0.0.1",
                    SHUXIANG_BASE_URL=base,
                    **shared_backend,
                )  # fmt: skip
            )
            bases.append(base)
        for base, process in zip(bases, processes, strict=True):
            wait_until_up(base + "/healthz", process)
        first = _answers(bases[0])
        assert first == _answers(bases[1])
        assert all(total >= 1 for total, _ids in first[:-1]) and first[-1][0] == 4
        record("图书馆学概论", creators=["吴慰慈"], date="1985")  # after both started
        later = _answers(bases[0])
        assert later == _answers(bases[1]) and later[0][0] == first[0][0] + 1
    finally:
        for process in processes:
            _stop(process)
