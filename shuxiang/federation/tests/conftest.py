"""Fixtures for federation tests: peers for unit tests, and the three-node ``cluster``."""

from __future__ import annotations

import os

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from shuxiang.federation.tests.factories import peer_node


@pytest.fixture
def peer(db):
    """An approved child node and its private key."""
    return peer_node()


@pytest.fixture
def client():
    return Client()


@pytest.fixture(scope="session")
def cluster(tmp_path_factory, django_db_blocker):
    """National, province and city nodes: real ``shuxiang serve`` processes, joined, approved.

    See ``federation/tests/cluster.py``. Started once per session; stopped at its end.
    """
    from shuxiang.federation.tests.cluster import Cluster

    pg = None
    if settings.SERVER_MODE:
        with django_db_blocker.unblock():
            pg = dict(connection.settings_dict)
    started = Cluster(
        tmp_path_factory.mktemp("federation"), pg, os.environ.get("SHUXIANG_REDIS_URL", "")
    )
    try:
        started.start()
    except BaseException:
        for node in started.nodes:
            print(f"--- {node.role} serve log ---\n{node.log()[-3000:]}")
        started.stop()
        raise
    yield started
    started.stop()
