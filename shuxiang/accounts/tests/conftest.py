"""Fixtures for accounts tests: the small library network and a clean login-throttle cache."""

import pytest
from django.core.cache import cache

from shuxiang.network.tests.factories import small_network


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def net(db):
    return small_network()
