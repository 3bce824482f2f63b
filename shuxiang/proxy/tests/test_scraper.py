"""Acceptance: a scripted scraper fetching PDFs through the gateway past the per-hour limit is
paused, staff are alerted through the stats alert channel (a webhook of an alert rule, here a
real HTTP receiver), and the use shows in the node's COUNTER Database Report.

Real processes: the vendor site, a ``shuxiang serve`` node with the gateway; the scraper is a
plain HTTP client script (it logs in with the form, takes the gateway ticket, then fetches
article PDFs one after the other, as scrapers do).
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from shuxiang.proxy.tests.conftest import prepared_node
from shuxiang.resources.tests.nodes import Node

pytestmark = pytest.mark.django_db(transaction=True)
LIMIT = 3
SETUP = """
from shuxiang.accounts.tests.factories import user
from shuxiang.core.actors import SYSTEM
from shuxiang.network.models import Library
from shuxiang.network.tests.factories import library
from shuxiang.proxy import services
from shuxiang.proxy.models import VendorDefinition
from shuxiang.stats import monitoring
L = Library.Level
library("NLC", None, L.NATIONAL)
zj = library("330000", "NLC", L.PROVINCIAL)
library("330681", "330000", L.COUNTY)
services.import_stanzas('''Title 期刊库 Vendor
URL http://127.0.0.1:{port}/
''', zj, by=SYSTEM)
VendorDefinition.objects.update(egress_address="127.0.0.2")
person = user("scraper", home_library=Library.objects.get(code="330681"))
person.set_password("Gateway-2026!")
person.save()
monitoring.add_alert_rule(SYSTEM, zj, {"condition": "reader_paused", "webhook": "{hook}"})
"""
REPORT = """
import json
from django.utils import timezone
from shuxiang.network.models import Library
from shuxiang.stats.counter.params import Options
from shuxiang.stats.counter.reports import build
from shuxiang.stats.counter.schema import errors
from shuxiang.stats.counter.views import VIEWS
from shuxiang.network.scopes import in_subtree
zj = Library.objects.get(code="330000")
codes = list(Library.objects.filter(in_subtree("", zj)).values_list("code", flat=True))
today = timezone.localdate()
report = build(VIEWS["dr"], zj, codes, today.replace(day=1), today, Options())
print(json.dumps({"errors": errors(report, "DR"), "report": report}))
"""


class Hook(BaseHTTPRequestHandler):
    received: list[dict] = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        Hook.received.append(json.loads(body))
        self.send_response(204)
        self.end_headers()


@pytest.fixture
def webhook():
    Hook.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/alerts"
    server.shutdown()


@pytest.fixture
def node(vendor, webhook, tmp_path, node_template):
    node = prepared_node(
        tmp_path,
        node_template,
        SHUXIANG_PROXY_PDF_LIMIT_PER_HOUR=str(LIMIT),
        SHUXIANG_STATS_FLUSH_SECONDS="0.2",
    )
    node.run("shell", "-c", SETUP.replace("{port}", str(vendor)).replace("{hook}", webhook))
    node.start()
    yield node
    node.stop()


def scraper(node: Node, vendor: int, count: int) -> list[int]:
    """Log in like a browser, take the gateway ticket, then fetch ``count`` article PDFs."""
    site = requests.Session()
    form = site.get(f"{node.url}/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)[1]
    site.post(
        f"{node.url}/accounts/login/",
        {"identifier": "scraper", "password": "Gateway-2026!", "csrfmiddlewaretoken": token},
        headers={"Referer": f"{node.url}/accounts/login/"},
        timeout=10,
    )
    start = site.get(
        f"{node.url}/proxy/login",
        params={"url": f"http://127.0.0.1:{vendor}/"},
        allow_redirects=False,
        timeout=10,
    )
    entry = start.headers["Location"]  # http://127-0-0-1-p<port>.proxy.test:<node>/.sxproxy/…
    host = entry.split("/")[2]
    path = entry.split(host, 1)[1]
    entered = requests.get(
        f"{node.url}{path}", headers={"Host": host}, allow_redirects=False, timeout=10
    )
    cookie = entered.headers["Set-Cookie"].split(";")[0]
    statuses = []
    for n in range(count):
        answer = requests.get(
            f"{node.url}/article/{n}.pdf",
            headers={"Host": host, "Cookie": cookie, "User-Agent": "scrapy/2.11"},
            timeout=30,
        )
        statuses.append(answer.status_code)
        if answer.status_code == 200:
            assert answer.content.startswith(b"%PDF") and len(answer.content) == 65536
    return statuses


def _database(report: dict) -> dict:
    [item] = [i for i in report["Report_Items"] if i["Database"] == "期刊库 Vendor"]
    totals: dict = {}
    for block in item["Attribute_Performance"]:
        for metric, months in block["Performance"].items():
            totals[metric] = totals.get(metric, 0) + sum(months.values())
    return totals


def test_a_scraper_past_the_pdf_limit_is_paused_staff_alerted_and_counted(node, vendor):
    statuses = scraper(node, vendor, LIMIT + 3)
    # The answer that passes the limit is delivered, then the reader is paused.
    assert statuses == [200] * (LIMIT + 1) + [429, 429]
    deadline = time.monotonic() + 30
    while not Hook.received and time.monotonic() < deadline:
        time.sleep(0.2)
    assert len(Hook.received) == 1, "staff were not alerted"
    alert = Hook.received[0]
    assert alert["condition"] == "reader_paused" and alert["library"] == "330000"
    assert "scraper" in alert["message"] and f"/article/{LIMIT}.pdf" in alert["message"]
    time.sleep(1.5)  # the node writes buffered usage events every 0.2 s
    node.stop()
    out = json.loads(node.run("shell", "-c", REPORT).strip().splitlines()[-1])
    assert out["errors"] == []
    totals = _database(out["report"])
    assert totals["Total_Item_Requests"] == LIMIT + 1
    assert totals["Unique_Item_Requests"] == LIMIT + 1
    assert totals["Limit_Exceeded"] == 2
