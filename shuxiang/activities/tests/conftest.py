"""Fixtures for the campaign tests: a small library network and per-test leaderboard keys."""

import uuid

import pytest

from shuxiang.network.tests.factories import small_network


@pytest.fixture
def net(db):
    return small_network()


@pytest.fixture(autouse=True)
def _own_board_keys(settings):
    """Each test keeps its Redis leaderboards under its own prefix (Redis outlives test DBs)."""
    settings.ACTIVITIES_BOARD_PREFIX = f"test:{uuid.uuid4().hex}:"
    settings.ACTIVITIES_LIKE_LIMITS = {"reader": 1000, "ip": 100000, "device": 1000}
    yield
