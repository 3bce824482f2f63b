"""Identifiers along the tree: the signed peer endpoints, the staff API and page, outages."""

from __future__ import annotations

import pytest
import requests

from shuxiang.accounts.services import issue_api_token
from shuxiang.accounts.tests.factories import admin_of
from shuxiang.core import jobs
from shuxiang.core.actors import SYSTEM
from shuxiang.core.models import Job
from shuxiang.federation import delegation, pid_reports
from shuxiang.federation.models import IdentifierOutbox
from shuxiang.federation.tests.factories import peer_node, send, signed_request
from shuxiang.federation.tests.pid_tree import item, node
from shuxiang.identifiers.tests.factories import registered
from shuxiang.network.tests.factories import small_network


@pytest.fixture
def net(db):
    return small_network()


@pytest.fixture
def province(net):
    return node("浙江", "child")


# --- the signed peer endpoints ----------------------------------------------------------


def post(client, path: str, key, body: dict):
    return send(client, signed_request("POST", path, key=key, json=body))


def test_a_signed_report_is_applied_and_an_unsigned_one_refused(client, net):
    child, key = peer_node(name="浙江")
    delegation.delegate("33", child, by=SYSTEM)
    path = "/federation/peer/identifiers/report"
    body = {"items": [item("sx.330100/signed")]}
    unsigned = post(client, path, False, body)
    assert unsigned.status_code == 401 and unsigned.json()["errors"][0]["code"] == "unsigned"
    answer = post(client, path, key, body)
    assert answer.status_code == 200 and answer.json() == {"accepted": 1, "unchanged": 0}
    assert client.get("/id/sx.330100/signed").status_code == 302


def test_a_signed_report_outside_the_delegation_names_each_refused_item(client, net):
    child, key = peer_node(name="浙江")
    delegation.delegate("33", child, by=SYSTEM)
    body = {"items": [item("sx.330100/a"), item("sx.620100/b")]}
    answer = post(client, "/federation/peer/identifiers/report", key, body)
    assert answer.status_code == 403
    assert answer.json()["errors"] == [
        {
            "field": "items[1].name",
            "reason": answer.json()["errors"][0]["reason"],
            "code": "not_delegated",
        }
    ]
    bad = post(client, "/federation/peer/identifiers/report", key, {"items": "x"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "items"


def test_the_parent_tells_its_delegation_and_the_child_asks_for_it(client, net):
    parent, parent_key = peer_node(name="国家", relation="parent", base_url="http://nat.example")
    child, child_key = peer_node(name="杭州", base_url="http://hz.example")
    path = "/federation/peer/identifiers/delegation"
    told = post(client, path, parent_key, {"root": "sx", "prefix": "33"})
    assert told.status_code == 200 and told.json() == {"prefixes": ["33"]}
    refused = post(client, path, child_key, {"root": "sx", "prefix": "34"})
    assert refused.status_code == 403
    delegation.delegate("3301", child, by=SYSTEM)
    asked = send(client, signed_request("GET", path, key=child_key))
    assert asked.json() == {"root": "sx", "prefixes": ["3301"], "revoked": []}


def test_the_parent_looks_a_name_up_and_only_the_parent(client, net):
    parent, parent_key = peer_node(name="国家", relation="parent", base_url="http://nat.example")
    child, child_key = peer_node(name="杭州", base_url="http://hz.example")
    delegation.receive(parent, root="sx", prefixes=["33"])
    mine = registered(net["hz"])
    path = f"/federation/peer/identifiers/lookup?name={mine.name.upper()}"
    found = send(client, signed_request("GET", path, key=parent_key))
    assert found.status_code == 200 and found.json()["name"] == mine.name
    assert found.json()["version"] == 1
    assert send(client, signed_request("GET", path, key=child_key)).status_code == 403
    unknown = "/federation/peer/identifiers/lookup?name=sx.330100/none"
    assert send(client, signed_request("GET", unknown, key=parent_key)).status_code == 404


# --- staff API and page -----------------------------------------------------------------


def bearer(person) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(person, 'test')}"}


def test_the_api_delegates_and_lists_prefixes(client, net, province):
    admin = bearer(admin_of(net["nlc"]))
    made = client.post(
        "/api/v1/federation/prefixes",
        {"prefix": "33", "node": "浙江"},
        content_type="application/json",
        **admin,
    )
    assert made.status_code == 200 and made.json()["full"] == "sx.33"
    listed = client.get("/api/v1/federation/prefixes", **admin).json()
    assert [(d["prefix"], d["direction"], d["node"]) for d in listed] == [("33", "granted", "浙江")]
    clash = client.post(
        "/api/v1/federation/prefixes",
        {"prefix": "330", "node": province.base_url},
        content_type="application/json",
        **admin,
    )
    assert clash.status_code == 409 and clash.json()["errors"][0]["field"] == "prefix"
    other = bearer(admin_of(net["zj"]))
    assert client.get("/api/v1/federation/prefixes", **other).status_code == 403


def test_the_staff_page_delegates(client, net, province):
    client.force_login(admin_of(net["nlc"]))
    page = client.post(
        "/federation/prefixes/", {"action": "delegate", "prefix": "33", "node": "浙江"}
    )
    assert page.status_code == 302
    shown = client.get("/federation/prefixes/").content.decode()
    assert "浙江" in shown and "<code>33</code>" in shown
    client.force_login(admin_of(net["zj"]))
    assert client.get("/federation/prefixes/").status_code == 403


def test_an_outage_of_the_parent_loses_no_report(net):
    parent = node("国家中心", "parent")  # nothing listens on its port: the parent is down
    delegation.receive(parent, root="sx", prefixes=["33"])
    first, second = registered(net["hz"]), registered(net["zj"])
    with pytest.raises(requests.ConnectionError):
        pid_reports.send()
    assert sorted(IdentifierOutbox.objects.values_list("name", flat=True)) == sorted(
        [first.name, second.name]
    )
    job = Job.objects.filter(kind=pid_reports.SEND).first()
    jobs.run(job.pk)
    job.refresh_from_db()
    # Retried later, or (when earlier runs of the suite used its attempts) left failed: either
    # way the outbox still holds both reports for the next send.
    assert job.state in ("pending", "failed") and "ConnectionError" in job.last_error
    assert pid_reports.queued() == 2


def test_the_staff_page_speaks_chinese_by_default(client, net, province):
    client.force_login(admin_of(net["nlc"]))
    shown = client.get("/federation/prefixes/").content.decode()
    assert "授权前缀" in shown and "尚未授权任何前缀" in shown
