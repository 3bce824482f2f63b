"""End to end: three real nodes joined over signed HTTP (city → province → national)."""

from __future__ import annotations

import json

import pytest
import requests

pytestmark = pytest.mark.live


def test_the_cluster_is_joined_and_approved(cluster):
    national = cluster.national.status()
    [province] = [n for n in national["nodes"] if n["relation"] == "child"]
    assert province["status"] == "approved"
    assert province["base_url"] == cluster.province.url
    assert province["libraries"] == ["ZJLIB"]
    assert province["keys"] == [cluster.province.status()["key_id"]]

    middle = cluster.province.status()
    relations = {n["relation"]: n for n in middle["nodes"]}
    assert relations["parent"]["status"] == "approved"
    assert relations["parent"]["base_url"] == cluster.national.url
    assert relations["child"]["status"] == "approved"
    assert relations["child"]["libraries"] == ["HZLIB"]


def test_the_library_tree_shows_the_hosting_node(cluster):
    code = (
        "from shuxiang.network.models import Library\n"
        "import json\n"
        "print(json.dumps({l.code: l.node for l in Library.objects.all()}))"
    )
    assert json.loads(cluster.national.run(code)) == {"NLC": "local", "ZJLIB": "浙江省节点"}
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
