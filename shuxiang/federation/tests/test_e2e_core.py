"""End to end: three real nodes joined over signed HTTP (city → province → national)."""

from __future__ import annotations

import json

import pytest
import requests

pytestmark = pytest.mark.live


def _libraries_relayed(cluster) -> None:
    """The province passes its children's libraries up (also done by a job after approval)."""
    cluster.province.cli("federation", "sync", "--step", "libraries")


def test_the_cluster_is_joined_and_approved(cluster):
    _libraries_relayed(cluster)
    national = cluster.national.status()
    [province] = [n for n in national["nodes"] if n["relation"] == "child"]
    assert province["status"] == "approved"
    assert province["base_url"] == cluster.province.url
    assert province["libraries"] == ["ZJLIB", "HZLIB"]  # its own, and the city's relayed
    assert province["keys"] == [cluster.province.status()["key_id"]]

    middle = cluster.province.status()
    relations = {n["relation"]: n for n in middle["nodes"]}
    assert relations["parent"]["status"] == "approved"
    assert relations["parent"]["base_url"] == cluster.national.url
    assert relations["child"]["status"] == "approved"
    assert relations["child"]["libraries"] == ["HZLIB"]


def test_the_library_tree_shows_the_hosting_node(cluster):
    _libraries_relayed(cluster)
    code = (
        "from shuxiang.network.models import Library\n"
        "import json\n"
        "print(json.dumps({l.code: l.node for l in Library.objects.all()}))"
    )
    assert json.loads(cluster.national.run(code)) == {
        "NLC": "local",
        "ZJLIB": "浙江省节点",
        "HZLIB": "杭州市节点",  # hosted by the city, reached through the province
    }
    assert json.loads(cluster.province.run(code))["HZLIB"] == "杭州市节点"


def test_peer_endpoints_refuse_unsigned_requests_over_http(cluster):
    response = requests.get(cluster.national.url + "/federation/peer/keys", timeout=30)
    assert response.status_code == 401
    assert response.json()["errors"][0]["code"] == "unsigned"


def test_a_signed_request_between_real_nodes_is_accepted(cluster):
    code = (
        "from shuxiang.federation.models import Node\n"
        "from shuxiang.federation.signing import peer_session\n"
        "parent = Node.parent()\n"
        "r = peer_session(parent).get(parent.base_url + '/federation/peer/keys')\n"
        "print(r.status_code)"
    )
    assert cluster.city.run(code).strip() == "200"


PING_PARENT = (
    "from shuxiang.federation.models import Node\n"
    "from shuxiang.federation.signing import peer_session\n"
    "parent = Node.objects.get(relation='parent')\n"
    "r = peer_session(parent).get(parent.base_url + '/federation/peer/keys')\n"
    "print(r.status_code, r.json().get('errors', [{}])[0].get('code', 'ok'))"
)


def test_a_rotated_key_is_announced_and_used(cluster):
    before = cluster.province.status()["key_id"]
    out = cluster.province.cli("federation", "keys", "rotate")
    assert f"announced to {cluster.national.url}: ok" in out
    assert f"announced to {cluster.city.url}: ok" in out
    after = cluster.province.status()["key_id"]
    assert after != before
    assert cluster.province.run(PING_PARENT).split() == ["200", "ok"]  # signed with the new key
    assert cluster.city.run(PING_PARENT).split() == ["200", "ok"]  # the province still answers
    [province] = [n for n in cluster.national.status()["nodes"] if n["relation"] == "child"]
    assert set(province["keys"]) == {before, after}  # the old key in its grace period


def test_a_revoked_node_is_refused_by_its_parent(cluster):
    spare = cluster.spare("county", "临安区节点")
    spare.cli("federation", "join", cluster.city.url)
    assert spare.run(PING_PARENT).split() == ["401", "node_not_approved"]  # still pending
    cluster.city.cli("federation", "approve", spare.url)  # the decision cannot reach it: no server
    assert "\tpending\t" in spare.cli("federation", "status")
    assert spare.run(PING_PARENT).split() == ["200", "ok"]
    assert "\tapproved\t" in spare.cli("federation", "status", "--refresh")
    cluster.city.cli("federation", "revoke", spare.url, "--reason", "测试吊销")
    assert spare.run(PING_PARENT).split() == ["401", "node_not_approved"]
    assert "\trevoked\t" in spare.cli("federation", "status", "--refresh")
