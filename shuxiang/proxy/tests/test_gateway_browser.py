"""A reader browses a licensed vendor site through the gateway in Chromium.

Real processes: the vendor site (admits only the library's egress address 127.0.0.2) and a
``shuxiang serve`` node with the gateway on ``*.proxy.test``; Chromium maps every gateway
name to the node (host-resolver rules). Every link, redirect, JavaScript-built link and form
stays inside the gateway; the vendor sees the library's address; the PDF arrives intact and
resumes with Range; an unentitled reader is refused with the reason; a signed-out reader is
sent to log in and comes back to the same page.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import requests

from shuxiang.proxy.tests.conftest import prepared_node

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.browser]
HERE = Path(__file__).parent
CHROMIUM = "/usr/bin/chromium"
SETUP = """
from shuxiang.accounts.tests.factories import user
from shuxiang.core.actors import SYSTEM
from shuxiang.network.models import Library
from shuxiang.network.tests.factories import library
from shuxiang.proxy import services
from shuxiang.proxy.models import VendorDefinition
L = Library.Level
net = {"nlc": library("NLC", None, L.NATIONAL)}
net["zj"] = library("330000", "NLC", L.PROVINCIAL)
net["zhuji"] = library("330681", "330000", L.COUNTY)
net["lz"] = library("620100", "NLC", L.CITY)
services.import_stanzas('''Title 期刊库 Vendor
URL http://127.0.0.1:{port}/
HJ 127.0.0.3:{port}
''', net["zj"], by=SYSTEM)
VendorDefinition.objects.update(egress_address="127.0.0.2")
for name, lib in [("zjreader", net["zhuji"]), ("gsreader", net["lz"])]:
    person = user(name, home_library=lib)
    person.set_password("Gateway-2026!")
    person.save()
"""


@pytest.fixture
def node(vendor, tmp_path, node_template):
    node = prepared_node(tmp_path, node_template, SHUXIANG_PROXY_PDF_LIMIT_PER_HOUR="1000")
    node.run("shell", "-c", SETUP.replace("{port}", str(vendor)))
    node.start()
    yield node
    node.stop()


@pytest.fixture
def page(node):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--host-resolver-rules=MAP *.proxy.test 127.0.0.1", "--no-sandbox"],
        )
        context = browser.new_context(viewport={"width": 390, "height": 800}, accept_downloads=True)
        yield context.new_page()
        browser.close()


DOWNLOAD = """() => { const a = document.createElement('a'); a.href = '/paper.pdf';
  a.download = 'paper.pdf'; document.body.appendChild(a); a.click(); }"""
RANGE = """async (start) => {
  const r = await fetch('/paper.pdf', {headers: {Range: `bytes=${start}-`}});
  const b = new Uint8Array(await r.arrayBuffer());
  return [r.status, b.length, Array.from(b.slice(0, 10)), Array.from(b.slice(-10))]; }"""


def sign_in(page, node, username):
    page.fill("input[name=identifier]", username)
    page.fill("input[name=password]", "Gateway-2026!")
    page.click("form.card button[type=submit]")


def test_a_reader_browses_the_vendor_through_the_gateway(node, vendor, page):
    home = f"http://127-0-0-1-p{vendor}.proxy.test:{node.port}"
    start = f"{node.url}/proxy/login?url=http://127.0.0.1:{vendor}/"
    page.goto(start)
    assert "/accounts/login/" in page.url  # signed out: log in first
    sign_in(page, node, "zjreader")
    page.wait_for_url(f"{home}/")
    assert page.inner_text("h1").startswith("Vendor home")  # the vendor admitted 127.0.0.2
    for selector in ["#self", "#other", "#login", "#js", "#pdf"]:
        href = page.get_attribute(selector, "href")
        page_href = page.eval_on_selector(selector, "a => a.href")
        assert ".proxy.test:" in page_href, (selector, href, page_href)
    assert page.eval_on_selector("#find", "f => f.action").startswith(home)
    page.click("#other")
    assert page.url.startswith(f"http://127-0-0-3-p{vendor}.proxy.test:{node.port}/other")
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
    assert page.url == f"{home}/landing"  # the absolute redirect stayed inside
    assert "vsid=abc123" in page.inner_text("#cookie")  # its cookie came back


def test_the_pdf_arrives_intact_and_resumes_with_range(node, vendor, page):
    from shuxiang.proxy.tests.vendor_site import PDF

    home = f"http://127-0-0-1-p{vendor}.proxy.test:{node.port}"
    page.goto(f"{node.url}/proxy/login?url=http://127.0.0.1:{vendor}/")
    sign_in(page, node, "zjreader")
    page.wait_for_url(f"{home}/")
    with page.expect_download() as download:
        page.evaluate(DOWNLOAD)
    body = Path(download.value.path()).read_bytes()
    assert hashlib.sha256(body).digest() == hashlib.sha256(PDF).digest()
    status, length, head, tail = page.evaluate(RANGE, len(PDF) - 1000)
    assert status == 206 and length == 1000
    assert bytes(head) == PDF[-1000:-990] and bytes(tail) == PDF[-10:]


def test_an_unentitled_reader_is_refused_with_the_reason(node, vendor, page):
    page.goto(f"{node.url}/proxy/login?url=http://127.0.0.1:{vendor}/")
    sign_in(page, node, "gsreader")
    page.wait_for_load_state()
    assert "licensed to the readers of" in page.inner_text("main") or "读者" in page.content()


def test_without_a_gateway_session_the_reader_is_sent_to_log_in_and_back(node, vendor, page):
    home = f"http://127-0-0-1-p{vendor}.proxy.test:{node.port}"
    page.goto(f"{home}/search?q=x")
    assert "/accounts/login/" in page.url
    sign_in(page, node, "zjreader")
    page.wait_for_url(f"{home}/search?q=x")
    assert page.inner_text("h1") == "Results for x"


def test_direct_requests_from_another_address_are_refused_by_the_vendor(vendor):
    assert requests.get(f"http://127.0.0.1:{vendor}/", timeout=5).status_code == 403
