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
