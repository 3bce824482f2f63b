"""Identifiers along the tree, on one node's services: delegation, guards, reports, the cache.

The HTTP legs (signed reports, delegation notices, lookups between real nodes) are in
``test_e2e_identifiers.py``; here each side of the exchange is called as the peer views call it.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from shuxiang.accounts.models import StaffRole
from shuxiang.accounts.tests.factories import admin_of, staff_of
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import Conflict, PermissionDenied, ValidationFailed
from shuxiang.core.models import Job
from shuxiang.federation import delegation, pid_reports, pid_resolve
from shuxiang.federation.models import IdentifierOutbox, PrefixDelegation, RemoteIdentifier
from shuxiang.federation.tests.pid_tree import item, node
from shuxiang.identifiers import services
from shuxiang.identifiers.models import ResolveEntry
from shuxiang.identifiers.tests.factories import registered
from shuxiang.network.tests.factories import small_network


@pytest.fixture
def net(db):
    return small_network()


@pytest.fixture
def province(net):
    return node("浙江", "child")


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
