"""An alert whose process is SIGKILLed between commit and enqueue is still delivered, once.

The alert and its job row commit; the process dies before the task reaches the queue (huey on
SQLite embedded, Redis in server mode). A real worker (``shuxiang worker``) started afterwards
finds the job in its recovery pass and delivers the webhook exactly once.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shuxiang.core.tests.subprocess_node import make_node, stop

SETUP = """
import os, signal
from django.db import transaction
from shuxiang.core.actors import SYSTEM
from shuxiang.network import services as network
from shuxiang.stats import monitoring
from shuxiang.stats.models import MonitoredPlatform
nlc = network.create_library({"code": "NLC", "name": "国家图书馆", "level": "national"}, by=SYSTEM)
monitoring.add_alert_rule(SYSTEM, nlc, {"condition": "platform_down", "webhook": "%(hook)s"})
MonitoredPlatform.objects.create(library=nlc, name="古籍库", url="http://127.0.0.1:9/", is_up=False)
with transaction.atomic():
    transaction.on_commit(lambda: os.kill(os.getpid(), signal.SIGKILL))  # before the enqueue
    monitoring.evaluate_alerts()
"""


@pytest.fixture
def webhook():
    received: list[bytes] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


@pytest.mark.django_db(transaction=True)
def test_an_alert_killed_between_commit_and_enqueue_is_delivered_once_by_recovery(
    tmp_path, webhook
):
    url, received = webhook
    node = make_node(tmp_path)
    setup = node.start("shell", "-c", SETUP % {"hook": url})
    assert setup.wait(timeout=120) == -9, setup.log.read_text()[-3000:]
    assert node.query("SELECT state, attempts FROM core_job") == [("pending", 0)]
    assert node.scalar("SELECT COUNT(*) FROM stats_alert WHERE delivered") == 0
    worker = node.start("worker", "--workers", "1")
    try:
        deadline = time.monotonic() + 90
        while node.scalar("SELECT state FROM core_job") != "done":
            assert worker.poll() is None, worker.log.read_text()[-3000:]
            assert time.monotonic() < deadline, worker.log.read_text()[-3000:]
            time.sleep(0.1)
        node.run("jobs", "recover")  # a second pass finds nothing left to do
        time.sleep(1)
    finally:
        stop(worker)
    assert len(received) == 1
    assert b"\\u53e4\\u7c4d\\u5e93" in received[0] or "古籍库".encode() in received[0]
    assert node.scalar("SELECT COUNT(*) FROM stats_alert WHERE delivered") == 1
    assert node.query("SELECT state, attempts FROM core_job") == [("done", 1)]
