"""Fixtures for the proxy gateway tests."""

import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from shuxiang.network.tests.factories import small_network
from shuxiang.resources.tests.nodes import Node, free_port

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


@pytest.fixture(scope="session")
def node_template(tmp_path_factory):
    """A migrated embedded database copied into each node (None on the PostgreSQL leg)."""
    from django.conf import settings

    from shuxiang.resources.tests.nodes import migrated_database

    if settings.SERVER_MODE:
        return None
    return migrated_database(tmp_path_factory.mktemp("proxy-node-template"))


def prepared_node(tmp_path, template, **env) -> Node:
    """A node with the gateway settings ``env``, its embedded database copied from ``template``."""
    node = Node(tmp_path, template)
    node.port = free_port()
    node.env.update(
        SHUXIANG_PROXY_DOMAIN="proxy.test",
        SHUXIANG_PROXY_GATEWAY_SCHEME="http",
        SHUXIANG_PROXY_GATEWAY_PORT=str(node.port),
        SHUXIANG_BASE_URL=f"http://127.0.0.1:{node.port}",
        **env,
    )
    if template is not None:
        shutil.copyfile(template, node.data_dir / "shuxiang.sqlite3")
    return node
