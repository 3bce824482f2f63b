"""Node monitoring against a real local HTTP server: checks, outages, alerts, heartbeats."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core import mail
from django.utils import timezone

from shuxiang.accounts.services import issue_api_token
from shuxiang.accounts.tests.factories import PASSWORD, admin_of
from shuxiang.core.errors import PermissionDenied, ValidationFailed
from shuxiang.stats import monitoring
from shuxiang.stats.models import Alert, Heartbeat, Outage


class _Site(BaseHTTPRequestHandler):
    state = {"up": True}
    hooks: list = []

    def do_GET(self):  # noqa: N802
        self.send_response(200 if self.state["up"] else 503)
        self.end_headers()
        self.wfile.write(b"ok")

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length", 0))
        self.hooks.append(json.loads(self.rfile.read(length)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def site():
    _Site.state["up"], _Site.hooks[:] = True, []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", _Site
    server.shutdown()
    server.server_close()


def test_a_platform_going_down_opens_an_outage_and_recovery_closes_it(net, site):
    url, handler = site
    platform = monitoring.add_platform(admin_of(net["zj"]), net["zhuji"], "诸暨", url + "/")
    monitoring.check_platforms()
    platform.refresh_from_db()
    assert platform.is_up is True and not Outage.objects.exists()
    handler.state["up"] = False
    result = monitoring.check_platforms()[0]
    assert (result.ok, result.status) == (False, 503)
    outage = Outage.objects.get()
    assert outage.ended_at is None and outage.library == net["zhuji"]
    monitoring.check_platforms()
    assert Outage.objects.count() == 1  # still the same outage
    handler.state["up"] = True
    monitoring.check_platforms()
    outage.refresh_from_db()
    assert outage.ended_at is not None


def test_an_unreachable_platform_is_down_with_the_reason(net):
    monitoring.add_platform(admin_of(net["zj"]), net["zhuji"], "gone", "http://127.0.0.1:9/")
    result = monitoring.check_platforms(timeout=2)[0]
    assert not result.ok and result.status is None and result.error


def test_platform_down_alert_is_mailed_and_posted_once(
    net, site, django_capture_on_commit_callbacks
):
    url, handler = site
    zj_admin = admin_of(net["zj"])
    monitoring.add_platform(zj_admin, net["zhuji"], "诸暨", url + "/")
    monitoring.add_alert_rule(
        zj_admin,
        net["zj"],
        {"condition": "platform_down", "email": "ops@zjlib.cn", "webhook": url + "/hook"},
    )
    handler.state["up"] = False
    with django_capture_on_commit_callbacks(execute=True):
        monitoring.check_platforms()
    with django_capture_on_commit_callbacks(execute=True):
        monitoring.check_platforms()
    assert len(mail.outbox) == 1 and "ops@zjlib.cn" in mail.outbox[0].to
    assert len(handler.hooks) == 1 and handler.hooks[0]["condition"] == "platform_down"
    assert Alert.objects.get().delivered
    handler.state["up"] = True
    monitoring.check_platforms()
    assert Alert.objects.get().resolved_at is not None


def test_a_silent_node_raises_an_alert_and_an_outage(net, django_capture_on_commit_callbacks):
    zj_admin = admin_of(net["zj"])
    monitoring.record_heartbeat(zj_admin, net["sx"], {"node": "sx-1"})
    Heartbeat.objects.update(at=timezone.now() - timedelta(minutes=30))
    monitoring.add_alert_rule(
        zj_admin, net["zj"], {"condition": "heartbeat_missing", "threshold": 10, "email": "a@b.cn"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        raised = monitoring.evaluate_alerts()
    assert [a.subject for a in raised] == ["node sx-1"] and len(mail.outbox) == 1
    assert Outage.objects.get(subject="node sx-1").ended_at is None
    monitoring.record_heartbeat(zj_admin, net["sx"], {"node": "sx-1"})
    assert Outage.objects.get(subject="node sx-1").ended_at is not None


def test_alert_rules_need_a_destination_and_a_known_condition(net):
    with pytest.raises(ValidationFailed) as caught:
        monitoring.add_alert_rule(admin_of(net["zj"]), net["zj"], {"condition": "rain"})
    assert {e.field for e in caught.value.errors} == {"condition", "email"}
    with pytest.raises(PermissionDenied):
        monitoring.add_alert_rule(admin_of(net["gs"]), net["zj"], {"condition": "platform_down"})


def test_heartbeat_endpoint_stores_storage_and_is_scoped(client, net):
    token = issue_api_token(admin_of(net["sx"]), "node")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    body = {"node": "sx-1", "storage_bytes": 67_300_000_000_000, "bandwidth_mbps": 135}
    ok = client.post(
        "/api/v1/stats/330600/heartbeat", body, content_type="application/json", **auth
    )
    assert ok.status_code == 200
    assert Heartbeat.objects.get(library=net["sx"]).storage_bytes == 67_300_000_000_000
    other = client.post(
        "/api/v1/stats/620000/heartbeat", body, content_type="application/json", **auth
    )
    assert other.status_code == 403
    bad = client.post(
        "/api/v1/stats/330600/heartbeat",
        {"node": "x", "storage_bytes": -1},
        content_type="application/json",
        **auth,
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "storage_bytes"


def test_outage_timeline_page_lists_outages_of_the_subtree(client, net):
    Outage.objects.create(library=net["zhuji"], subject="诸暨门户", started_at=timezone.now())
    Outage.objects.create(library=net["yuzhong"], subject="榆中门户", started_at=timezone.now())
    client.login(username=admin_of(net["zj"]).username, password=PASSWORD)
    html = client.get("/stats/330000/outages/").content.decode()
    assert "诸暨门户" in html and "榆中门户" not in html
