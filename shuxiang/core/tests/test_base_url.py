"""Without ``SHUXIANG_BASE_URL`` the node's own address is the one it serves: identifier
locations and the OIDC issuer follow ``serve --port`` / ``demo --port``, not localhost:8000."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import requests

from shuxiang.accounts.tests.tls_server import free_port
from shuxiang.core.http import adopt_base_url, base_url, serving_url


@pytest.fixture
def unset_base_url(settings, monkeypatch):
    settings.BASE_URL = ""
    monkeypatch.delenv("SHUXIANG_BASE_URL", raising=False)


def test_serving_urls_of_wildcard_and_ipv6_addresses():
    assert serving_url("0.0.0.0", 8080) == "http://127.0.0.1:8080"
    assert serving_url("::1", 9000) == "http://[::1]:9000"
    assert serving_url("library.example", 80) == "http://library.example:80"


@pytest.mark.django_db
def test_demo_identifiers_point_at_the_address_the_demo_serves(unset_base_url):
    from shuxiang.identifiers.demo import load_demo_identifiers
    from shuxiang.identifiers.models import Identifier
    from shuxiang.network.tests.factories import small_network

    small_network()
    assert adopt_base_url("127.0.0.1", 8123) == "http://127.0.0.1:8123"
    assert os.environ["SHUXIANG_BASE_URL"] == base_url() == "http://127.0.0.1:8123"
    load_demo_identifiers()
    locations = list(Identifier.objects.values_list("location", flat=True))
    assert locations and all(url.startswith("http://127.0.0.1:8123/") for url in locations)


def test_a_configured_base_url_is_kept(settings, monkeypatch):
    settings.BASE_URL = "https://library.example"
    assert adopt_base_url("127.0.0.1", 8123) is None
    assert base_url() == "https://library.example"


def test_serve_without_a_base_url_issues_tokens_as_the_address_it_serves(tmp_path):
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("SHUXIANG_")}
    environ.update(SHUXIANG_DATA_DIR=str(tmp_path))
    command = [sys.executable, "-m", "shuxiang.cli"]
    subprocess.run([*command, "migrate", "-v", "0"], env=environ, check=True, timeout=300)
    server = subprocess.Popen(
        [*command, "serve", "--port", str(port)],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    http = requests.Session()
    http.trust_env = False
    try:
        deadline, meta = time.monotonic() + 120, None
        while meta is None and time.monotonic() < deadline and server.poll() is None:
            try:
                url = f"http://127.0.0.1:{port}/.well-known/openid-configuration"
                meta = http.get(url, headers={"Host": "evil.example"}, timeout=5).json()
            except requests.ConnectionError:
                time.sleep(0.5)
        assert meta is not None, "the server did not answer"
        assert meta["issuer"] == f"http://127.0.0.1:{port}"
        assert meta["token_endpoint"] == f"http://127.0.0.1:{port}/o/token/"
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert f"SHUXIANG_BASE_URL is not set: using http://127.0.0.1:{port}" in output
