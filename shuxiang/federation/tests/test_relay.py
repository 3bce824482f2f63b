"""Libraries of grandchildren relayed up the tree: listed with their real host, placed in the
parent's tree reached through the relaying child, refused by name when wrong."""

from __future__ import annotations

import pytest

from shuxiang.core.actors import SYSTEM
from shuxiang.core.models import Job
from shuxiang.federation import relay, services
from shuxiang.federation.models import HostedLibrary, Node
from shuxiang.federation.tests.factories import peer_node, send, signed_request
from shuxiang.network.models import Library
from shuxiang.network.tests.factories import small_network

pytestmark = pytest.mark.django_db
CITY = {"code": "HZLIB", "name": "杭州图书馆", "name_en": "", "level": "city",
        "parent_code": "330000", "node": "杭州市节点"}  # fmt: skip


def test_a_relay_places_the_grandchilds_library_under_its_real_host(client):
    small_network()
    province, key = peer_node(name="浙江省节点")
    answer = send(
        client, signed_request("POST", "/federation/peer/libraries", key=key,
                               json={"libraries": [CITY]}),
    )  # fmt: skip
    assert answer.status_code == 200 and answer.json() == {"libraries": ["HZLIB"]}
    library = Library.objects.get(code="HZLIB")
    assert library.node == "杭州市节点" and library.parent.code == "330000"
    assert HostedLibrary.objects.get(library=library).node == province  # reached through it
    again = send(client, signed_request("POST", "/federation/peer/libraries", key=key,
                                        json={"libraries": [CITY]}))  # fmt: skip
    assert again.status_code == 200 and Library.objects.filter(code="HZLIB").count() == 1


def test_a_wrong_relay_names_the_field(client):
    small_network()
    _province, key = peer_node(name="浙江省节点")
    bad = {**CITY, "parent_code": "NOWHERE"}
    answer = send(client, signed_request("POST", "/federation/peer/libraries", key=key,
                                         json={"libraries": [bad]}))  # fmt: skip
    assert answer.status_code == 400
    assert answer.json()["errors"][0]["field"] == "libraries[0].parent_code"
    no_host = {**CITY, "node": ""}
    answer = send(client, signed_request("POST", "/federation/peer/libraries", key=key,
                                         json={"libraries": [no_host]}))  # fmt: skip
    assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == "node"
    assert not Library.objects.filter(code="HZLIB").exists()


def test_approving_a_child_relays_its_libraries_to_this_nodes_parent():
    small_network()
    peer_node(name="国家中心节点", relation=Node.Relation.PARENT)
    city, _key = peer_node(status=Node.Status.PENDING, name="杭州市节点")
    city.requested_libraries = [{k: v for k, v in CITY.items() if k != "node"}]
    city.save()
    services.approve(city, by=SYSTEM)
    assert Job.objects.filter(kind=relay.JOB).count() == 1
    [entry] = relay.relayed_libraries()
    assert entry == CITY
