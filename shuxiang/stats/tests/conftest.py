"""Fixtures for statistics tests: the small network and a helper to land events."""

from __future__ import annotations

import pytest

from shuxiang.network.tests.factories import small_network


@pytest.fixture
def net(db):
    return small_network()


from shuxiang.portal.tests.conftest import pytest_runtest_teardown  # noqa: E402, F401  (browser tests)
