"""Identifiers along the tree, on one node's services: delegation, guards, reports, the cache.

The HTTP legs (signed reports, delegation notices, lookups between real nodes) are in
``test_e2e_identifiers.py``; here each side of the exchange is called as the peer views call it.
"""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace

import pytest
import requests
from django.utils import timezone

from shuxiang.accounts.models import StaffRole
from shuxiang.accounts.services import issue_api_token
from shuxiang.accounts.tests.factories import admin_of, staff_of
from shuxiang.core import jobs
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import Conflict, PermissionDenied, ValidationFailed
from shuxiang.core.models import Job
from shuxiang.federation import delegation, pid_reports, pid_resolve
from shuxiang.federation.models import IdentifierOutbox, Node, PrefixDelegation, RemoteIdentifier
from shuxiang.federation.tests.factories import peer_node, send, signed_request
from shuxiang.identifiers import records, services
from shuxiang.identifiers.models import ResolveEntry
from shuxiang.identifiers.tests.factories import registered
from shuxiang.network.tests.factories import small_network
from shuxiang.resources.tests.nodes import free_port


@pytest.fixture
def net(db):
    return small_network()


def node(name: str, relation: str, status: str = "approved") -> Node:
    return Node.objects.create(
        name=name, base_url=f"http://127.0.0.1:{free_port()}", relation=relation, status=status
    )


@pytest.fixture
def province(net):
    return node("浙江", "child")


def item(name: str, version: int = 1, status: str = "active", **extra) -> dict:
    """A reported item built as the owning node builds it (its stored record and ETag)."""
    now = timezone.now()
    view = SimpleNamespace(
        status=status,
        updated_at=now,
        locations=[{"url": f"https://zj.example.org/{name}/v{version}"}],
        metadata={"title": "越绝书", "creator": "袁康"},
        resource_type="text",
        rights="公有领域",
        fingerprint="",
        decision_reason="与馆藏重复" if status == "withdrawn" else "",
    )
    body, etag = records.body_and_etag(view, "330100")
    return {
        "name": name,
        "version": version,
        "status": status,
        "location": f"https://zj.example.org/{name}/v{version}",
        "etag": etag,
        "record": body,
        **extra,
    }


# --- delegation -------------------------------------------------------------------------


def test_the_national_center_delegates_a_prefix_once(net, province):
    first = delegation.delegate("33", province, by=admin_of(net["nlc"]))
    again = delegation.delegate(" 33 ", province, by=SYSTEM)
    assert first.pk == again.pk and first.direction == "granted"
    assert Job.objects.filter(kind=delegation.NOTIFY).count() == 1


def test_only_administrators_of_the_top_library_delegate(net, province):
    with pytest.raises(PermissionDenied):
        delegation.delegate("33", province, by=admin_of(net["zj"]))
    with pytest.raises(PermissionDenied):
        delegation.delegate("33", province, by=staff_of(net["nlc"], StaffRole.Role.LIBRARIAN))
    assert not PrefixDelegation.objects.exists()


def test_a_delegation_is_a_valid_prefix_not_overlapping_another(net, province):
    with pytest.raises(ValidationFailed) as bad:
        delegation.delegate("3-3", province, by=SYSTEM)
    assert bad.value.errors[0].field == "prefix"
    delegation.delegate("33", province, by=SYSTEM)
    other = node("杭州", "child")
    for overlapping in ("3301", "3"):
        with pytest.raises(Conflict) as clash:
            delegation.delegate(overlapping, other, by=SYSTEM)
        assert clash.value.errors[0].code == "overlaps"


def test_a_prefix_in_use_here_is_not_delegated(net, province):
    registered(net["gs"])  # 620000
    with pytest.raises(Conflict) as clash:
        delegation.delegate("62", province, by=SYSTEM)
    assert clash.value.errors[0].code == "in_use"


def test_delegating_names_an_approved_child(net, province):
    node("待批", "child", status="pending")
    with pytest.raises(ValidationFailed) as missing:
        delegation.child_node("nowhere")
    assert missing.value.errors[0].field == "node"
    with pytest.raises(ValidationFailed) as pending:
        delegation.child_node("待批")
    assert pending.value.errors[0].code == "not_approved"
    assert delegation.child_node(province.base_url + "/") == province


# --- guards -----------------------------------------------------------------------------


def test_a_node_does_not_register_under_a_prefix_it_delegated_away(net, province):
    delegation.delegate("33", province, by=SYSTEM)
    with pytest.raises(PermissionDenied) as refused:
        registered(net["hz"])  # 330100
    assert refused.value.errors[0].code == "delegated_away"
    assert registered(net["gs"]).name.startswith("sx.620000/")


def test_a_child_registers_only_under_what_its_parent_delegated(net):
    parent = node("国家中心", "parent")
    with pytest.raises(PermissionDenied) as refused:
        registered(net["hz"])
    assert refused.value.errors[0].code == "not_delegated"
    delegation.receive(parent, root="sx", prefixes=["33"])
    assert registered(net["hz"]).name.startswith("sx.330100/")
    with pytest.raises(PermissionDenied):
        registered(net["lz"])
    with pytest.raises(PermissionDenied):
        services.set_prefix(net["lz"], "6201", by=SYSTEM)


def test_only_the_parent_delegates_and_only_under_this_networks_root(net, province):
    parent = node("国家中心", "parent")
    with pytest.raises(PermissionDenied):
        delegation.receive(province, root="sx", prefixes=["33"])
    with pytest.raises(ValidationFailed) as wrong:
        delegation.receive(parent, root="other", prefixes=["33"])
    assert wrong.value.errors[0].field == "root"
    with pytest.raises(ValidationFailed) as bad:
        delegation.receive(parent, root="sx", prefixes=["33", "3 3"])
    assert bad.value.errors[0].field == "prefixes[1]"
    assert not PrefixDelegation.objects.exists()


# --- reports: sending side --------------------------------------------------------------


def test_changes_at_a_child_are_queued_for_the_parent(net):
    parent = node("国家中心", "parent")
    delegation.receive(parent, root="sx", prefixes=["33"])
    identifier = registered(net["hz"])
    services.withdraw(identifier.name, by=SYSTEM, reason="重复")
    assert list(IdentifierOutbox.objects.values_list("name", flat=True)) == [identifier.name] * 2
    assert Job.objects.filter(kind=pid_reports.SEND).count() == 2
    state = pid_reports.state_of(identifier.name)
    assert state["version"] == 2 and state["status"] == "withdrawn"
    assert pid_reports.clean_item(0, state)["name"] == identifier.name


def test_a_node_without_parent_queues_nothing(net):
    registered(net["hz"])
    assert not IdentifierOutbox.objects.exists()


# --- reports: receiving side ------------------------------------------------------------


def test_a_report_makes_the_root_resolve_the_childs_identifier(client, net, province):
    delegation.delegate("33", province, by=SYSTEM)
    sent = item("sx.330100/yuejue")
    assert pid_reports.receive(province, [sent]) == {"accepted": 1, "unchanged": 0}
    redirect = client.get("/id/sx.330100/yuejue")
    assert redirect.status_code == 302 and redirect["Location"] == sent["location"]
    doc = client.get("/id/SX.330100/yuejue?format=json").json()
    assert doc["handle"] == "sx.330100/yuejue" and doc["responseCode"] == 1
    assert {"type": "OWNER", "value": "330100"} in [
        {"type": v["type"], "value": v["data"]["value"]} for v in doc["values"]
    ]


def test_reports_are_idempotent_and_keep_the_newest_version(client, net, province):
    delegation.delegate("33", province, by=SYSTEM)
    pid_reports.receive(province, [item("sx.330100/a", 2)])
    assert pid_reports.receive(province, [item("sx.330100/a", 2)]) == {
        "accepted": 0,
        "unchanged": 1,
    }
    pid_reports.receive(province, [item("sx.330100/a", 1)])  # late, older
    assert RemoteIdentifier.objects.get().version == 2
    assert client.get("/id/sx.330100/a")["Location"].endswith("/v2")


def test_a_withdrawal_at_the_child_shows_the_tombstone_at_the_root(client, net, province):
    delegation.delegate("33", province, by=SYSTEM)
    pid_reports.receive(province, [item("sx.330100/gone")])
    pid_reports.receive(province, [item("sx.330100/gone", 2, "withdrawn")])
    page = client.get("/id/sx.330100/gone")
    assert page.status_code == 410
    assert "与馆藏重复" in page.content.decode() and "越绝书" in page.content.decode()
    doc = client.get("/id/sx.330100/gone", HTTP_ACCEPT="application/json")
    assert doc.status_code == 410 and doc.json()["responseCode"] == 200


def test_the_root_refuses_a_report_outside_the_nodes_delegation(net, province):
    delegation.delegate("33", province, by=SYSTEM)
    with pytest.raises(PermissionDenied) as refused:
        pid_reports.receive(province, [item("sx.330100/ok"), item("sx.620100/not")])
    assert [(e.field, e.code) for e in refused.value.errors] == [("items[1].name", "not_delegated")]
    assert not ResolveEntry.objects.exists()  # nothing of the refused report is kept


def test_a_report_from_a_node_that_is_not_a_child_is_refused(net):
    parent = node("国家中心", "parent")
    with pytest.raises(PermissionDenied):
        pid_reports.receive(parent, [item("sx.330100/x")])


def test_a_report_of_a_name_registered_here_is_refused(net, province):
    mine = registered(net["hz"])
    PrefixDelegation.objects.create(prefix="3301", node=province, direction="granted")
    with pytest.raises(Conflict) as clash:
        pid_reports.receive(province, [item(mine.name)])
    assert clash.value.errors[0].code == "registered_here"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": "sx.330100/"}, "name"),
        ({"name": "other.330100/x"}, "name"),
        ({"version": "1"}, "version"),
        ({"version": True}, "version"),
        ({"version": 10**20}, "version"),
        ({"status": "pending"}, "status"),
        ({"location": "javascript:alert(1)"}, "location"),
        ({"etag": "<x>"}, "etag"),
        ({"record": "{not json"}, "record"),
        ({"record": json.dumps({"s": "active", "evil": 1})}, "record"),
    ],
)
def test_each_field_of_a_reported_item_is_checked(net, province, change, field):
    delegation.delegate("33", province, by=SYSTEM)
    with pytest.raises(ValidationFailed) as bad:
        pid_reports.receive(province, [{**item("sx.330100/x"), **change}])
    assert bad.value.errors[0].field == f"items[0].{field}"


def test_a_middle_node_forwards_what_its_child_reported(net):
    parent = node("国家中心", "parent")
    city = node("杭州", "child")
    delegation.receive(parent, root="sx", prefixes=["33"])
    delegation.delegate("3301", city, by=SYSTEM)
    pid_reports.receive(city, [item("sx.330100/fwd", 3)])
    assert list(IdentifierOutbox.objects.values_list("name", flat=True)) == ["sx.330100/fwd"]
    assert pid_reports.state_of("sx.330100/fwd")["version"] == 3


# --- the cache of lookups ---------------------------------------------------------------


def test_an_unreported_name_is_asked_of_the_child_and_a_dead_child_answers_nothing(net, province):
    delegation.delegate("33", province, by=SYSTEM)  # nothing listens on its port
    assert pid_resolve.lookup("sx.330100/unreported") is None
    assert not RemoteIdentifier.objects.exists()
    assert pid_resolve.lookup("sx.620100/elsewhere") is None  # not delegated: not asked


def test_a_cached_answer_is_served_until_a_report_replaces_it(client, net, province):
    delegation.delegate("33", province, by=SYSTEM)
    cached = item("sx.330100/cached")
    RemoteIdentifier.objects.create(
        node=province,
        **{k: cached[k] for k in ("name", "status", "location", "version", "etag", "record")},
        expires=timezone.now() + timedelta(minutes=1),
    )
    assert client.get("/id/sx.330100/cached")["Location"] == cached["location"]
    pid_reports.receive(province, [item("sx.330100/cached", 1, "withdrawn")])
    assert client.get("/id/sx.330100/cached").status_code == 410
    assert RemoteIdentifier.objects.get().reported_at is not None


def test_an_expired_answer_is_served_when_the_child_is_unreachable(net, province):
    delegation.delegate("33", province, by=SYSTEM)
    stale = item("sx.330100/stale")
    RemoteIdentifier.objects.create(
        node=province,
        **{k: stale[k] for k in ("name", "status", "location", "version", "etag", "record")},
        expires=timezone.now() - timedelta(minutes=1),
    )
    assert pid_resolve.lookup("sx.330100/stale")[1] == stale["location"]


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
    assert asked.json() == {"root": "sx", "prefixes": ["3301"]}


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
