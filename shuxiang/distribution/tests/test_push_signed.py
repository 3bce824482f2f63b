"""Push between federation peers: offers, Range pulls and reports over RFC 9421 signed
requests (a live server), refusals of unsigned and unknown-key requests, the offer token
refused for a peer's library, subtree reports of a node that passed a package on, and the
endorsement of a key by a parent."""

from __future__ import annotations

import base64
import json

import bagit
import pytest
import requests
from django.test import Client

from shuxiang.accounts.tests.factories import admin_of
from shuxiang.core.actors import SYSTEM
from shuxiang.distribution import deployments, keys, receiving, services, transfer
from shuxiang.distribution.models import ImportedPackage, Transfer
from shuxiang.federation import keys as node_keys
from shuxiang.federation import replay
from shuxiang.federation.models import HostedLibrary, Node, NodeKey
from shuxiang.federation.signing import NodeAuth, peer_session
from shuxiang.federation.tests.factories import new_key, peer_node


@pytest.fixture
def county(net):
    return net["zhuji"]


@pytest.fixture
def peers(live_server, county):
    """This node plays both ends: the county's node is an approved child hosting the county
    library (with this node's own key), and the parent it pulls from is the live server."""
    own = node_keys.own_key()
    child = Node.objects.create(name="诸暨", base_url="http://county.example.org",
                                relation="child", status="approved")  # fmt: skip
    NodeKey.objects.create(node=child, key_id=own.key_id, public_key=own.public_key_b64)
    HostedLibrary.objects.create(node=child, library=county)
    Node.objects.create(name="中心", base_url=live_server.url, relation=Node.Relation.PARENT,
                        status=Node.Status.APPROVED)  # fmt: skip
    return child


def test_a_peer_pulls_with_signed_requests_only_and_reports_signed(
    live_server, package, county, peers, monkeypatch
):
    version = services.build_version(package, by=SYSTEM)
    (deployment,) = deployments.push(package, [county.code], by=SYSTEM)
    store, claimed = replay.get_store(), []  # the node's real replay store, its claims counted
    real_claim = store.claim
    monkeypatch.setattr(store, "claim", lambda *a: claimed.append(a) or real_claim(*a))
    (row,) = receiving.poll(by=SYSTEM)  # signed GET /packages/peer/offers of the parent
    assert row.offer["signed"] and row.token == "" and "/packages/peer/offers/" in row.source
    row = receiving.run_transfer(row, by=SYSTEM, bandwidth="", window="")
    assert row.state == Transfer.State.IMPORTED, row.reason
    assert ImportedPackage.objects.get(library=county).version == 1
    deployment.refresh_from_db()
    assert (deployment.state, deployment.held) == ("imported", 1)  # signed reports
    # signed: the offers, each tag file, the payload in one batch, the reports (one nonce each)
    assert row.offer["batch_url"].endswith("/batch") and version.file_count > 10
    assert len(claimed) >= len(row.offer["top"]) + 4
    token = deployments.offer_token(deployment)
    refused = Client().get(f"/packages/offers/{token}/files/bagit.txt")
    assert refused.status_code == 403 and "RFC 9421" in refused.json()["detail"]
    report = Client().post(f"/api/v1/packages/offers/{token}/report", {"state": "failed"},
                           content_type="application/json")  # fmt: skip
    assert report.status_code == 403


@pytest.mark.parametrize("batched", [False, True], ids=["per-file", "batched"])
def test_a_signed_pull_resumes_where_it_stopped(
    live_server, package, county, peers, tmp_path, batched
):
    services.build_version(package, by=SYSTEM)
    (deployment,) = deployments.push(package, [county.code], by=SYSTEM)
    doc = deployments.offer_document(deployment, live_server.url, signed=True)
    offer = transfer.Offer(doc["files_url"], doc["tagmanifest_sha256"], doc["top"],
                           doc["payload_bytes"], doc["file_count"],
                           batch_url=doc["batch_url"] if batched else "")  # fmt: skip
    got = []

    class Cut(transfer.Puller):
        def _add(self, count):
            super()._add(count)
            got.append(count)

    first = Cut(offer, tmp_path / "bag", is_open=lambda: sum(got) < 2000, connections=1,
                session=peer_session(), stall_seconds=5)  # fmt: skip
    with pytest.raises(transfer.Paused):
        first.run()
    (part,) = [p for p in (tmp_path / "bag.partial").rglob("*") if p.is_file()]
    have, rel = part.stat().st_size, part.relative_to(tmp_path / "bag.partial").as_posix()
    assert 0 < have < doc["payload_bytes"]
    whole = [p for p in (tmp_path / "bag" / "data").rglob("*") if p.is_file()]
    seen = []
    session = peer_session()
    session.hooks["response"].append(lambda r, *a, **k: seen.append(r.request))
    done = transfer.Puller(offer, tmp_path / "bag", session=session, stall_seconds=5).run()
    assert done.files_done == doc["file_count"]
    assert all("Signature" in request.headers for request in seen)
    if batched:  # batch requests for the rest, the partial file from where it stopped
        asked = [f for r in seen if r.url.endswith("/batch") for f in json.loads(r.body)["files"]]
        assert [rel, have] in asked and len(asked) == doc["file_count"] - len(whole)
    else:
        assert any(r.headers.get("Range") == f"bytes={have}-" for r in seen)
    bagit.Bag(str(tmp_path / "bag")).validate()


def test_unsigned_and_unknown_key_requests_are_refused_by_name(live_server, package, county, peers):
    services.build_version(package, by=SYSTEM)
    (deployment,) = deployments.push(package, [county.code], by=SYSTEM)
    base = f"{live_server.url}/packages/peer/offers/{deployment.pk}/{deployment.version_id}"
    for url in (f"{base}/files/bagit.txt", f"{live_server.url}/packages/peer/offers"):
        plain = requests.get(url, timeout=10)
        assert plain.status_code == 401 and plain.json()["errors"][0]["code"] == "unsigned"
        assert plain.headers["WWW-Authenticate"] == 'Signature error="unsigned"'
        stranger = requests.get(url, auth=NodeAuth(new_key()), timeout=10)
        assert stranger.status_code == 401
        assert stranger.json()["errors"][0]["code"] == "unknown_key"
    _other, other_key = peer_node(name="另一节点")  # approved, but hosts no library offered
    assert requests.get(f"{base}/files/bagit.txt", auth=NodeAuth(other_key)).status_code == 404
    signed = peer_session()
    assert signed.get(f"{base}/files/bagit.txt").status_code == 200
    stale = f"{live_server.url}/packages/peer/offers/{deployment.pk}/999999/files/bagit.txt"
    assert signed.get(stale).status_code == 404
    bad = signed.post(f"{base}/report", json={"state": "lost"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "state"


def test_a_child_reports_the_libraries_it_passed_a_package_on_to(
    live_server, package, net, county, peers
):
    """The province node (here: the county's node, hosting 330000 too) reports the
    deployments of its subtree, including a library this node does not know."""
    HostedLibrary.objects.create(node=peers, library=net["zj"])
    services.build_version(package, by=SYSTEM)
    (via,) = deployments.push(package, ["330000"], by=SYSTEM)
    url = f"{live_server.url}/packages/peer/offers/{via.pk}/{via.version_id}/subtree"
    rows = [
        {"code": "330681", "name": "诸暨市图书馆", "level": "county", "parent_code": "330000",
         "state": "imported", "offered": 1, "held": 1, "done_bytes": 10, "total_bytes": 10},
        {"code": "339999", "name": "新县图书馆", "level": "county", "parent_code": "330000",
         "state": "downloading", "offered": 1, "done_bytes": 5, "total_bytes": 10},
    ]  # fmt: skip
    answer = peer_session().post(url, json={"libraries": rows})
    assert answer.status_code == 200 and answer.json()["libraries"] == 2, answer.text
    status = deployments.status(package, by=SYSTEM)
    shown = {row.library.code: (row.state, row.progress) for row in status}
    assert shown["330681"] == ("imported", 100) and shown["339999"] == ("downloading", 50)
    county_level = [f for f in deployments.coverage(status) if f["level"] == "county"][0]
    assert county_level == {"level": "county", "total": 3, "reached": 1, "current": 1}
    client = Client()
    client.force_login(admin_of(net["nlc"]))
    page = client.get(f"/packages/{package.pk}/deployments/").content.decode()
    assert "新县图书馆" in page and "339999" in page
    bad = peer_session().post(url, json={"libraries": [{"code": "", "state": "gone"}]})
    fields = {e["field"] for e in bad.json()["errors"]}
    assert bad.status_code == 400 and {"libraries.0.code", "libraries.0.state"} <= fields
    rows[1].update(state="imported", held=1, done_bytes=10)
    peer_session().post(url, json={"libraries": rows[1:]})  # replaces the last report
    shown = {row.library.code: row.state for row in deployments.status(package, by=SYSTEM)}
    assert shown["339999"] == "imported" and shown["330681"] == ""


def test_a_parent_endorses_the_key_of_a_bag_it_passes_on(db):
    national, national_key = peer_node(relation=Node.Relation.PARENT)
    tag_sha = "ab" * 32
    endorsement = keys.endorse(national_key.key_id, tag_sha)  # signed with this node's key
    assert endorsement["public_key"] == national_key.public_key_b64
    data = b"a tag manifest"
    signature = national_key.private_key.sign(data)
    trusted = keys.endorsed_key(endorsement, tag_sha)
    assert list(trusted) == [national_key.key_id]
    assert keys.endorsed_key(endorsement, "cd" * 32) == {}  # for another bag: nothing
    forged = dict(endorsement, public_key=new_key().public_key_b64)
    assert keys.endorsed_key(forged, tag_sha) == {}
    NodeKey.objects.filter(node=national).delete()  # the county does not know the centre
    assert keys.endorse(national_key.key_id, tag_sha) is None
    assert not keys.verify_bytes(national_key.key_id, data, signature)
    with keys.trusting(trusted):
        assert keys.verify_bytes(national_key.key_id, data, signature)
    assert not keys.verify_bytes(national_key.key_id, data, signature)
    assert json.dumps(endorsement) and base64.b64decode(endorsement["signature"])
