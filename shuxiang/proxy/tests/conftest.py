"""Fixtures for the proxy gateway tests."""

import pytest

from shuxiang.network.tests.factories import small_network


@pytest.fixture
def net(db):
    return small_network()
