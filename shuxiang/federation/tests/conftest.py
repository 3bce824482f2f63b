"""Fixtures for federation tests: peers for unit tests, and the three-node ``cluster``."""

from __future__ import annotations

import pytest
from django.test import Client

from shuxiang.federation.tests.factories import peer_node


@pytest.fixture
def peer(db):
    """An approved child node and its private key."""
    return peer_node()


@pytest.fixture
def client():
    return Client()


# the three-node ``cluster`` fixture lives in the root conftest.py: one cluster per session,
# shared with the package tests that pass bags along the tree
