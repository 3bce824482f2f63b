"""Fixtures for federation tests."""

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
