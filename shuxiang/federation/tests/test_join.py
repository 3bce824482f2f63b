"""Join requests, decisions (approve / refuse / revoke) and key announcements at the parent."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from shuxiang.accounts.services import issue_api_token
from shuxiang.accounts.tests.factories import admin_of, user
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import Conflict, PermissionDenied, ValidationFailed
from shuxiang.core.models import AuditEvent, Job
from shuxiang.federation import services
from shuxiang.federation.models import HostedLibrary, Node
from shuxiang.federation.tests.factories import new_key, send, signed_request
from shuxiang.network import services as network
from shuxiang.network.models import Library

pytestmark = pytest.mark.django_db
JOIN = "/federation/peer/join"


@pytest.fixture
def nlc(db):
    return network.create_library(
        {"code": "NLC", "name": "国家图书馆", "level": "national"}, by=SYSTEM
    )


def payload(key, **changes):
    data = {
        "name": "浙江省节点",
        "base_url": "http://zj.example.org/",
        "key_id": key.key_id,
        "public_key": key.public_key_b64,
        "libraries": [
            {"code": "ZJLIB", "name": "浙江图书馆", "level": "provincial", "parent_code": "NLC"},
            {"code": "NBLIB", "name": "宁波图书馆", "level": "city", "parent_code": "ZJLIB"},
        ],
    }
    data.update(changes)
    return data


def join(client, key, signer=None, **changes):
    prepared = signed_request("POST", JOIN, key=signer or key, json=payload(key, **changes))
    return send(client, prepared)


def test_a_join_request_is_recorded_pending(client, nlc):
    key = new_key()
    response = join(client, key)
    assert response.status_code == 202, response.content
    assert response.json()["status"] == "pending"
    assert response.json()["keys"]  # the parent's own keys, for the child to trust
    node = Node.objects.get()
    assert (node.name, node.base_url, node.relation) == (
        "浙江省节点",
        "http://zj.example.org",
        "child",
    )
    assert node.keys.get().key_id == key.key_id
    assert [lib["code"] for lib in node.requested_libraries] == ["ZJLIB", "NBLIB"]
    assert AuditEvent.objects.filter(action="federation.join_requested").count() == 1


def test_a_join_request_signed_by_another_key_is_refused(client, nlc):
    response = join(client, new_key(), signer=new_key())
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "unknown_key"
    assert not Node.objects.exists()


def test_an_unsigned_join_request_is_refused(client, nlc):
    prepared = signed_request("POST", JOIN, key=False, json=payload(new_key()))
    assert send(client, prepared).json()["errors"][0]["code"] == "unsigned"


def test_a_bad_join_request_names_each_field(client, nlc):
    key = new_key()
    bad_library = {"code": "X", "name": "", "level": "palace"}
    response = join(client, key, name="", base_url="ftp://x", libraries=[bad_library, 7])
    assert response.status_code == 400, response.content
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {
        "name", "base_url", "libraries[0].name", "libraries[0].level", "libraries[1]"
    }  # fmt: skip
    assert not Node.objects.exists()


def test_approval_places_the_libraries_hosted_by_the_node(client, nlc):
    join(client, new_key())
    node = Node.objects.get()
    services.approve(node, by=SYSTEM)
    node.refresh_from_db()
    assert node.status == "approved" and node.approved_at is not None
    zj = Library.objects.get(code="ZJLIB")
    assert (zj.parent, zj.node) == (nlc, "浙江省节点")
    assert Library.objects.get(code="NBLIB").parent == zj
    assert set(HostedLibrary.objects.values_list("library__code", flat=True)) == {
        "ZJLIB", "NBLIB"
    }  # fmt: skip
    assert Job.objects.filter(kind="federation.notify_decision").count() == 1
    with pytest.raises(Conflict):
        services.approve(node, by=SYSTEM)


def test_approval_refuses_libraries_outside_the_tree(client, nlc):
    key = new_key()
    orphan = [{"code": "GZLIB", "name": "广州图书馆", "level": "city", "parent_code": "GDLIB"}]
    join(client, key, libraries=orphan)
    with pytest.raises(ValidationFailed) as caught:
        services.approve(Node.objects.get(), by=SYSTEM)
    assert caught.value.errors[0].field == "libraries[0].parent_code"
    assert Node.objects.get().status == "pending"
    assert not Library.objects.filter(code="GZLIB").exists()


def test_a_library_hosted_by_another_node_is_not_taken_over(client, nlc):
    join(client, new_key())
    services.approve(Node.objects.get(), by=SYSTEM)
    join(client, new_key(), base_url="http://other.example.org", name="other")
    other = Node.objects.get(name="other")
    with pytest.raises(Conflict) as caught:
        services.approve(other, by=SYSTEM)
    assert caught.value.errors[0].code == "hosted_elsewhere"


def test_refusal_needs_a_reason_and_the_node_may_apply_again(client, nlc):
    key = new_key()
    join(client, key)
    node = Node.objects.get()
    with pytest.raises(ValidationFailed) as caught:
        services.refuse(node, "  ", by=SYSTEM)
    assert caught.value.errors[0].field == "reason"
    services.refuse(node, "请先完成网络安全等级保护测评", by=SYSTEM)
    node.refresh_from_db()
    assert (node.status, node.reason) == ("refused", "请先完成网络安全等级保护测评")
    status = send(client, signed_request("GET", JOIN, key=key)).json()
    assert status["status"] == "refused" and status["reason"].startswith("请先")
    assert join(client, key).status_code == 202
    node.refresh_from_db()
    assert node.status == "pending"


def test_a_pending_node_reads_its_status(client, nlc):
    key = new_key()
    join(client, key)
    response = send(client, signed_request("GET", JOIN, key=key))
    assert response.status_code == 200 and response.json()["status"] == "pending"


def test_revocation_stops_the_nodes_requests_at_once(client, nlc):
    key = new_key()
    join(client, key)
    node = services.approve(Node.objects.get(), by=SYSTEM)
    ok = send(client, signed_request("GET", "/federation/peer/keys", key=key))
    assert ok.status_code == 200
    services.revoke(node, "密钥泄露", by=SYSTEM)
    refused = send(client, signed_request("GET", "/federation/peer/keys", key=key))
    assert refused.json()["errors"][0]["code"] == "node_not_approved"
    assert not node.keys.filter(retired_at__gt=timezone.now()).exists()
    assert join(client, key).status_code == 409  # a revoked node cannot simply join again


def test_only_administrators_of_the_whole_tree_decide(client, nlc):
    join(client, new_key())
    node = Node.objects.get()
    with pytest.raises(PermissionDenied):
        services.approve(node, by=user("reader"))
    zj = network.create_library(
        {"code": "ZJ2", "name": "浙江二馆", "level": "provincial", "parent": "NLC"}, by=SYSTEM
    )
    with pytest.raises(PermissionDenied):
        services.approve(node, by=admin_of(zj))
    assert services.approve(node, by=admin_of(nlc)).status == "approved"


def test_a_key_announced_by_a_node_is_accepted_with_a_grace_period(client, nlc):
    key = new_key()
    join(client, key)
    node = services.approve(Node.objects.get(), by=SYSTEM)
    new = new_key()
    body = {"key_id": new.key_id, "public_key": new.public_key_b64}
    announced = send(client, signed_request("POST", "/federation/peer/keys", key=key, json=body))
    assert announced.status_code == 200
    ok = send(client, signed_request("GET", "/federation/peer/keys", key=new))
    assert ok.status_code == 200
    assert send(client, signed_request("GET", "/federation/peer/keys", key=key)).status_code == 200
    bad = {"key_id": "x", "public_key": "AAAA"}
    answer = send(client, signed_request("POST", "/federation/peer/keys", key=new, json=bad))
    assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == "public_key"
    assert node.keys.count() == 2


def test_api_lists_and_decides_nodes(client, nlc):
    join(client, new_key())
    node = Node.objects.get()
    token = issue_api_token(admin_of(nlc), "t")
    auth = {"Authorization": f"Bearer {token}"}
    listing = client.get("/api/v1/federation/nodes", headers=auth).json()
    assert listing["count"] == 1 and listing["results"][0]["status"] == "pending"
    refused = client.post(
        f"/api/v1/federation/nodes/{node.pk}/refuse", {}, "application/json", headers=auth
    )
    assert refused.status_code == 400
    approved = client.post(f"/api/v1/federation/nodes/{node.pk}/approve", headers=auth)
    assert approved.status_code == 200 and approved.json()["libraries"] == ["ZJLIB", "NBLIB"]
    reader = {"Authorization": f"Bearer {issue_api_token(user('r'), 't')}"}
    assert client.get("/api/v1/federation/nodes", headers=reader).status_code == 403
    synced = client.post(
        f"/api/v1/federation/nodes/{node.pk}/sync", {}, "application/json", headers=auth
    )
    assert synced.status_code == 202 and Job.objects.filter(kind="federation.sync").exists()


def test_cli_decides_and_reports(client, nlc, capsys):
    join(client, new_key())
    with pytest.raises(CommandError):
        call_command("federation", "refuse", "http://zj.example.org", "--reason", "")
    call_command("federation", "approve", "http://zj.example.org")
    call_command("federation", "status")
    out = capsys.readouterr().out
    assert "approved" in out and "浙江省节点" in out
    with pytest.raises(CommandError):
        call_command("federation", "approve", "nowhere")
