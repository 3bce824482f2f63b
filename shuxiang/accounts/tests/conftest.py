"""Fixtures for accounts tests: the small library network and a per-test cache key prefix."""

import uuid

import pytest

from shuxiang.network.tests.factories import small_network


@pytest.fixture(autouse=True)
def _own_cache_keys(settings):
    """Each test counts login failures under its own key prefix (Redis may be shared)."""
    caches = {alias: dict(config) for alias, config in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = "t" + uuid.uuid4().hex
    settings.CACHES = caches
    yield


@pytest.fixture
def net(db):
    return small_network()


LDAP_READERS = [
    {"uid": "zhang.wei", "cn": "张伟", "card": "ZJ800001", "password": "ldap2026"},
    {"uid": "li.na", "cn": "李娜", "card": "ZJ800002", "password": "other2026"},
]


@pytest.fixture(scope="session")
def slapd_server():
    """A real OpenLDAP server on loopback holding the Zhuji library's readers."""
    from shuxiang.accounts.tests import slapd

    server = slapd.start(LDAP_READERS)
    yield server
    server.stop()
