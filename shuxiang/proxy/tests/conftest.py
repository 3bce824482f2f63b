"""Fixtures for the proxy gateway tests."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from shuxiang.network.tests.factories import small_network
from shuxiang.resources.tests.nodes import free_port

HERE = Path(__file__).parent


@pytest.fixture
def net(db):
    return small_network()


@pytest.fixture(scope="session")
def vendor():
    """The vendor site in its own process (admits the library's egress 127.0.0.2): its port."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(HERE / "vendor_site.py"), str(port), "127.0.0.2"]
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            requests.get(f"http://127.0.0.1:{port}/", timeout=1)
            break
        except requests.ConnectionError:
            time.sleep(0.1)
    yield port
    process.kill()
    process.wait()
