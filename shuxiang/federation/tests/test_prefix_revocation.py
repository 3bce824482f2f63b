"""Revoking a prefix delegation: the parent's service, API, CLI and page; the child's refusal
of new names under it (signed notice or pull); names already registered keep resolving."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from shuxiang.accounts.tests.factories import admin_of
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import NotFound, PermissionDenied, ValidationFailed
from shuxiang.core.models import AuditEvent, Job
from shuxiang.federation import delegation, pid_reports, prefix_revocation
from shuxiang.federation.models import PrefixDelegation, RemoteIdentifier
from shuxiang.federation.tests.factories import peer_node, send, signed_request
from shuxiang.federation.tests.pid_tree import item, node
from shuxiang.federation.tests.test_identifiers_tree_endpoints import bearer
from shuxiang.identifiers.tests.factories import registered
from shuxiang.network.tests.factories import small_network

REVOCATION = "/federation/peer/identifiers/revocation"


@pytest.fixture
def net(db):
    return small_network()


@pytest.fixture
def province(net):
    child = node("浙江", "child")
    delegation.delegate("33", child, by=SYSTEM)
    return child


def test_the_parent_revokes_with_a_reason_and_tells_the_child(net, province):
    with pytest.raises(PermissionDenied):
        prefix_revocation.revoke("33", "x", by=admin_of(net["zj"]))
    with pytest.raises(ValidationFailed) as no_reason:
        prefix_revocation.revoke("33", "  ", by=admin_of(net["nlc"]))
    assert no_reason.value.errors[0].field == "reason"
    with pytest.raises(NotFound) as unknown:
        prefix_revocation.revoke("34", "not ours", by=SYSTEM)
    assert unknown.value.errors[0].field == "prefix"
    row = prefix_revocation.revoke("33", "省馆停止服务", by=admin_of(net["nlc"]))
    assert row.revoked_at is not None and row.revoked_reason == "省馆停止服务"
    assert Job.objects.filter(kind=prefix_revocation.NOTIFY, payload__delegation=row.pk).exists()
    assert AuditEvent.objects.filter(action="federation.revoke_prefix").exists()
    assert delegation.granted_to(province) == []
    assert delegation.revoked_from(province) == [{"prefix": "33", "reason": "省馆停止服务"}]
    with pytest.raises(NotFound):  # already revoked
        prefix_revocation.revoke("33", "again", by=SYSTEM)


def test_the_child_refuses_new_names_but_its_old_ones_still_resolve(client, net):
    parent, parent_key = peer_node(name="国家", relation="parent", base_url="http://nat.example")
    delegation.receive(parent, root="sx", prefixes=["33"])
    kept = registered(net["hz"])
    body = {"root": "sx", "prefix": "33", "reason": "前缀收回"}
    told = send(client, signed_request("POST", REVOCATION, key=parent_key, json=body))
    assert told.status_code == 200 and told.json()["prefix"] == "33"
    with pytest.raises(PermissionDenied) as refused:
        registered(net["zj"])
    assert refused.value.errors[0].code == "delegation_revoked"
    assert "前缀收回" in refused.value.errors[0].reason
    assert client.get(f"/id/{kept.name}").status_code == 302  # still resolves
    again = send(client, signed_request("POST", REVOCATION, key=parent_key, json=body))
    assert again.status_code == 200  # a retried notice changes nothing
    delegation.receive(parent, root="sx", prefixes=["33"])  # delegated again: reinstated
    assert registered(net["zj"]).name.startswith("sx.330000/")


def test_only_the_parent_revokes_and_bad_notices_name_the_field(client, net):
    parent, parent_key = peer_node(name="国家", relation="parent", base_url="http://nat.example")
    child, child_key = peer_node(name="杭州", base_url="http://hz.example")
    delegation.receive(parent, root="sx", prefixes=["33"])
    body = {"root": "sx", "prefix": "33", "reason": "x"}
    assert (
        send(client, signed_request("POST", REVOCATION, key=child_key, json=body)).status_code
        == 403
    )
    no_reason = send(
        client, signed_request("POST", REVOCATION, key=parent_key, json={**body, "reason": ""})
    )
    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["field"] == "reason"
    bad = send(
        client, signed_request("POST", REVOCATION, key=parent_key, json={**body, "prefix": "3-3"})
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "prefix"
    unsigned = send(client, signed_request("POST", REVOCATION, key=False, json=body))
    assert unsigned.status_code == 401
    assert not PrefixDelegation.objects.filter(revoked_at__isnull=False).exists()


def test_a_province_passes_the_revocation_down_to_its_own_children(net):
    parent = node("国家", "parent")
    city = node("杭州", "child")
    delegation.receive(parent, root="sx", prefixes=["33"])
    delegation.delegate("3301", city, by=SYSTEM)
    prefix_revocation.receive(parent, root="sx", prefix="33", reason="省级授权收回")
    below = PrefixDelegation.objects.get(direction="granted", prefix="3301")
    assert below.revoked_at is not None and "省级授权收回" in below.revoked_reason
    assert Job.objects.filter(kind=prefix_revocation.NOTIFY, payload__delegation=below.pk).exists()


def test_the_parent_keeps_accepting_changes_to_names_already_reported(net, province):
    pid_reports.receive(province, [item("sx.330100/old")])
    prefix_revocation.revoke("33", "收回", by=SYSTEM)
    changed = pid_reports.receive(province, [item("sx.330100/old", version=2, status="withdrawn")])
    assert changed["accepted"] == 1
    assert RemoteIdentifier.objects.get(name="sx.330100/old").status == "withdrawn"
    with pytest.raises(PermissionDenied) as refused:
        pid_reports.receive(province, [item("sx.330100/new")])
    assert refused.value.errors[0].code == "not_delegated"


def test_the_api_cli_and_page_revoke(client, net, province):
    admin = bearer(admin_of(net["nlc"]))
    missing = client.post(
        "/api/v1/federation/prefixes/33/revoke", {}, content_type="application/json", **admin
    )
    assert missing.status_code in (400, 422)
    done = client.post(
        "/api/v1/federation/prefixes/33/revoke", {"reason": "API 收回"},
        content_type="application/json", **admin,
    )  # fmt: skip
    assert done.status_code == 200 and done.json()["revoked_reason"] == "API 收回"
    other = node("宁波", "child")
    delegation.delegate("44", other, by=SYSTEM)
    out = StringIO()
    call_command("federation", "revoke-prefix", "44", "--reason", "CLI 收回", stdout=out)
    assert "revoked: CLI 收回" in out.getvalue()
    delegation.delegate("45", other, by=SYSTEM)
    client.force_login(admin_of(net["nlc"]))
    page = client.post(
        "/federation/prefixes/", {"action": "revoke", "prefix": "45", "reason": "页面收回"}
    )
    assert page.status_code == 302
    shown = client.get("/federation/prefixes/").content.decode()
    assert "页面收回" in shown and "API 收回" in shown
    assert PrefixDelegation.objects.filter(revoked_at__isnull=False).count() == 3


def test_a_pull_learns_revocations(net, monkeypatch):
    parent = node("国家", "parent")
    delegation.receive(parent, root="sx", prefixes=["33"])

    class Answer:
        def raise_for_status(self):
            pass

        def json(self):
            return {"root": "sx", "prefixes": [], "revoked": [{"prefix": "33", "reason": "拉取"}]}

    monkeypatch.setattr(
        "shuxiang.federation.signing._PeerSession.get", lambda self, url, **kw: Answer()
    )
    delegation.pull()
    assert PrefixDelegation.objects.get(direction="received").revoked_reason == "拉取"
