"""The administrators' federation page: list, decisions, sync now; refused to others."""

from __future__ import annotations

import pytest
from django.test import Client

from shuxiang.accounts.tests.factories import admin_of, user
from shuxiang.core.actors import SYSTEM
from shuxiang.core.models import Job
from shuxiang.federation.models import HostedLibrary, Node
from shuxiang.federation.tests.factories import peer_node
from shuxiang.network import services as network

pytestmark = pytest.mark.django_db


@pytest.fixture
def nlc(db):
    return network.create_library(
        {"code": "NLC", "name": "国家图书馆", "level": "national"}, by=SYSTEM
    )


@pytest.fixture
def admin_client(nlc):
    client = Client()
    client.force_login(admin_of(nlc))
    return client


def test_the_page_lists_child_nodes_with_status_and_errors(admin_client):
    node, _key = peer_node(name="浙江省节点", last_error="bad_signature: x")
    pending, _key = peer_node(status="pending", name="江苏省节点")
    page = admin_client.get("/federation/").content.decode()
    assert "浙江省节点" in page and "江苏省节点" in page and "bad_signature" in page
    assert f"/federation/nodes/{pending.pk}/approve/" in page
    assert f"/federation/nodes/{node.pk}/sync/" in page


def test_pages_decide_and_sync(admin_client):
    pending, _key = peer_node(status="pending", requested_libraries=[])
    response = admin_client.post(f"/federation/nodes/{pending.pk}/refuse/", {"reason": ""})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == "pending"  # no reason: refused to refuse
    admin_client.post(f"/federation/nodes/{pending.pk}/approve/")
    pending.refresh_from_db()
    assert pending.status == "approved"
    admin_client.post(f"/federation/nodes/{pending.pk}/sync/")
    assert Job.objects.filter(kind="federation.sync", payload__node=pending.pk).exists()
    admin_client.post(f"/federation/nodes/{pending.pk}/revoke/", {"reason": "停止服务"})
    pending.refresh_from_db()
    assert (pending.status, pending.reason) == ("revoked", "停止服务")


def test_the_page_is_for_administrators_of_the_whole_tree(nlc):
    client = Client()
    assert client.get("/federation/").status_code == 302  # to the login page
    client.force_login(user("reader"))
    assert client.get("/federation/").status_code == 403
    node, _key = peer_node(status="pending")
    client.post(f"/federation/nodes/{node.pk}/approve/")
    node.refresh_from_db()
    assert node.status == "pending"


def test_the_library_page_shows_the_hosting_node(nlc):
    node, _key = peer_node(name="浙江省节点")
    zj = network.create_library(
        {"code": "ZJLIB", "name": "浙江图书馆", "level": "provincial", "parent": "NLC",
         "node": node.name},
        by=SYSTEM,
    )  # fmt: skip
    HostedLibrary.objects.create(node=node, library=zj)
    client = Client()
    assert "浙江省节点" in client.get("/network/ZJLIB/").content.decode()
    assert "浙江省节点" in client.get("/network/NLC/").content.decode()
    assert Node.objects.count() == 1
