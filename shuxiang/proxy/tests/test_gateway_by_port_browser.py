"""Proxy by port in Chromium: the same vendor site, each of its hosts on a node port of its own.

No wildcard DNS here (no host-resolver rules): the node listens on ``SHUXIANG_PROXY_PORTS``
besides its own port (inside ``shuxiang serve``), and a vendor host is ``127.0.0.1:<port>``.
Every link and redirect stays on the gateway's ports, the vendor's cookies come back to it
(renamed per port in the browser), the node's own cookies never reach the vendor, a signed-out
reader returns to the same page after logging in, and the PDF arrives intact and resumes with
Range.
"""

from __future__ import annotations

import hashlib
import random
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from shuxiang.proxy.tests.conftest import prepared_node
from shuxiang.proxy.tests.test_gateway_browser import CHROMIUM, DOWNLOAD, RANGE, SETUP, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
PORTS = 4


def free_ports(count: int) -> int:
    """The first of ``count`` consecutive free loopback ports, below the kernel's ephemeral
    range: a port there can be taken by any outgoing connection (the other test leg's, a
    database client's) between this probe and the node binding it."""
    ephemeral = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(50):
        first = random.randrange(20000, max(20001, ephemeral - count))
        probes = [socket.socket() for _ in range(count)]
        try:
            for offset, probe in enumerate(probes):
                probe.bind(("127.0.0.1", first + offset))
            return first
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
    raise RuntimeError("no free port range")


@pytest.fixture
def node(vendor, tmp_path, node_template):
    first = free_ports(PORTS)
    node = prepared_node(
        tmp_path, node_template, SHUXIANG_PROXY_PDF_LIMIT_PER_HOUR="1000",
        SHUXIANG_PROXY_MODE="port", SHUXIANG_PROXY_PORTS=f"{first}-{first + PORTS - 1}",
    )  # fmt: skip
    node.gateway_ports = range(first, first + PORTS)
    node.run("shell", "-c", SETUP.replace("{port}", str(vendor)))
    node.start()
    yield node
    node.stop()


@pytest.fixture
def browser_context(node):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 390, "height": 800}, accept_downloads=True)
        yield context
        browser.close()


def on_gateway_port(url: str, node) -> bool:
    parts = urlsplit(url)
    return parts.hostname == "127.0.0.1" and parts.port in node.gateway_ports


def enter(page, node, vendor) -> str:
    """Start at the node, sign in, land on the vendor's home page: its gateway root."""
    page.goto(f"{node.url}/proxy/login?url=http://127.0.0.1:{vendor}/")
    assert "/accounts/login/" in page.url
    sign_in(page, node, "zjreader")
    page.wait_for_url(lambda url: on_gateway_port(url, node))
    parts = urlsplit(page.url)
    return f"http://127.0.0.1:{parts.port}"


def test_a_reader_browses_the_vendor_on_its_own_port(node, vendor, browser_context):
    page = browser_context.new_page()
    home = enter(page, node, vendor)
    assert page.url == f"{home}/"
    assert page.inner_text("h1").startswith("Vendor home")  # the vendor admitted 127.0.0.2
    for selector in ["#self", "#other", "#login", "#js", "#pdf"]:
        page_href = page.eval_on_selector(selector, "a => a.href")
        assert on_gateway_port(page_href, node), (selector, page_href)
    assert page.eval_on_selector("#find", "f => f.action").startswith(home)
    page.click("#other")
    assert on_gateway_port(page.url, node) and not page.url.startswith(home)
    assert page.inner_text("h1").startswith("other on 127.0.0.3")
    page.go_back()
    page.click("#js")
    assert page.url == f"{home}/js-target"
    page.go_back()
    page.fill("#find input[name=q]", "论语")
    page.click("#find button")
    assert page.inner_text("h1") == "Results for 论语"
    assert page.inner_text("p").startswith(f"referer=127.0.0.1:{vendor}")  # the vendor's own name
    page.goto(f"{home}/login-redirect")
    assert page.url == f"{home}/landing"  # the absolute redirect stayed on the port
    seen = page.inner_text("#cookie")
    assert "vsid=abc123" in seen  # its cookie came back, under its own name
    assert "sessionid" not in seen and "sxproxy" not in seen  # the node's cookies did not
    port = urlsplit(home).port
    names = {c["name"] for c in browser_context.cookies()}
    assert f"sx{port}-vsid" in names and "vsid" not in names


def test_the_pdf_arrives_intact_and_resumes_with_range_by_port(node, vendor, browser_context):
    from shuxiang.proxy.tests.vendor_site import PDF

    page = browser_context.new_page()
    enter(page, node, vendor)
    with page.expect_download() as download:
        page.evaluate(DOWNLOAD)
    body = Path(download.value.path()).read_bytes()
    assert hashlib.sha256(body).digest() == hashlib.sha256(PDF).digest()
    status, length, head, tail = page.evaluate(RANGE, len(PDF) - 1000)
    assert status == 206 and length == 1000
    assert bytes(head) == PDF[-1000:-990] and bytes(tail) == PDF[-10:]


def test_a_signed_out_reader_on_a_gateway_port_logs_in_and_comes_back(
    node, vendor, browser_context
):
    page = browser_context.new_page()
    home = enter(page, node, vendor)  # gives the vendor's hosts their ports
    fresh = browser_context.browser.new_context()
    other = fresh.new_page()
    other.goto(f"{home}/search?q=x")
    assert "/accounts/login/" in other.url
    sign_in(other, node, "zjreader")
    other.wait_for_url(f"{home}/search?q=x")
    assert other.inner_text("h1") == "Results for x"
    fresh.close()


def test_an_unassigned_gateway_port_answers_not_found(node, vendor):
    import requests

    last = node.gateway_ports[-1]
    answer = requests.get(f"http://127.0.0.1:{last}/", timeout=10)
    assert answer.status_code == 404 and "port" in answer.text


def test_shuxiang_proxy_alone_serves_its_own_port_range(node, vendor):
    """Server mode: ``shuxiang proxy`` binds the range by itself (here a second range, the
    same database): a vendor's port sends a signed-out reader to log in at the node."""
    import subprocess
    import sys
    import time

    import requests

    from shuxiang.resources.tests.nodes import ROOT

    first = free_ports(2)
    env = {**node.env, "SHUXIANG_PROXY_PORTS": f"{first}-{first + 1}"}
    origin = f"http://127.0.0.1:{vendor}"
    node.run("shell", "-c", f"from shuxiang.proxy.models import GatewayPort as G; "
             f"G.objects.create(origin='{origin}', port={first})")  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "shuxiang.cli", "proxy"], env=env, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                answer = requests.get(f"http://127.0.0.1:{first}/x?y=1", allow_redirects=False,
                                      timeout=5)  # fmt: skip
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline and process.poll() is None
                time.sleep(0.2)
        assert answer.status_code == 302
        assert answer.headers["Location"].startswith(f"{node.url}/proxy/login?url=")
        assert "x%3Fy%3D1" in answer.headers["Location"]
        unassigned = requests.get(f"http://127.0.0.1:{first + 1}/", timeout=5)
        assert unassigned.status_code == 404
    finally:
        process.terminate()
        process.wait(20)
