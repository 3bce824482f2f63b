"""Logging in with a local library card kept in the library's own LDAP (real slapd)."""

from __future__ import annotations

import pytest
from django.test import Client

from shuxiang.accounts import login
from shuxiang.accounts.models import ExternalIdentity, IdentitySource, ReaderCard, User
from shuxiang.accounts.sources import SourceUnavailable, backend_for
from shuxiang.accounts.tests import slapd as slapd_support
from shuxiang.accounts.tests.factories import READER_PASSWORD, reader
from shuxiang.core.errors import ValidationFailed

pytestmark = pytest.mark.django_db


def _login(identifier, password, *, library=None):
    return login.first_step(identifier, password, library=library).user


def ldap_source(library, uri: str, **extra) -> IdentitySource:
    config = {
        "uri": uri,
        "base_dn": slapd_support.READERS_DN,
        "bind_dn": slapd_support.ADMIN_DN,
        "bind_password": slapd_support.ADMIN_PASSWORD,
        "login_attribute": "employeeNumber",
        "id_attribute": "uid",
        "name_attribute": "cn",
        "card_attribute": "employeeNumber",
        "timeout": 3,
        **extra,
    }
    return IdentitySource.objects.create(
        library=library, name="诸暨 LDAP", kind="ldap", config=config
    )


def test_reader_logs_in_with_local_card_and_is_linked_once(net, slapd_server):
    ldap_source(net["zhuji"], slapd_server.uri)
    first = _login("ZJ800001", "ldap2026", library=net["zhuji"])
    assert first.home_library == net["zhuji"]
    assert first.display_name == "张伟"
    assert ReaderCard.objects.get(user=first).number == "ZJ800001"
    assert ExternalIdentity.objects.get(user=first).external_id == "zhang.wei"
    again = _login("ZJ800001", "ldap2026", library=net["zhuji"])
    assert again == first
    assert User.objects.filter(home_library=net["zhuji"]).count() == 1


def test_wrong_ldap_password_is_refused_and_creates_nothing(net, slapd_server):
    ldap_source(net["zhuji"], slapd_server.uri)
    with pytest.raises(ValidationFailed):
        _login("ZJ800002", "wrong2026", library=net["zhuji"])
    assert not User.objects.exists()


def test_filter_characters_in_the_identifier_match_nobody(net, slapd_server):
    source = ldap_source(net["zhuji"], slapd_server.uri)
    backend = backend_for(source)
    assert backend.authenticate("*", "ldap2026") is None
    assert backend.authenticate("ZJ80000*", "ldap2026") is None
    assert backend.authenticate("ZJ800001", "") is None  # never an anonymous bind


def test_ldap_can_vouch_for_real_names(net, slapd_server):
    ldap_source(net["zhuji"], slapd_server.uri, vouches_real_name=True)
    person = _login("ZJ800002", "other2026", library=net["zhuji"])
    assert person.real_name_method == User.RealName.UPSTREAM


def test_an_unreachable_directory_is_reported_not_crashed(net, slapd_server):
    source = ldap_source(net["zhuji"], "ldap://127.0.0.1:9")
    with pytest.raises(SourceUnavailable):
        backend_for(source).authenticate("ZJ800001", "ldap2026")
    with pytest.raises(ValidationFailed):
        _login("ZJ800001", "ldap2026", library=net["zhuji"])


def test_sources_of_one_library_do_not_serve_another(net, slapd_server):
    ldap_source(net["zhuji"], slapd_server.uri)
    with pytest.raises(ValidationFailed):
        _login("ZJ800001", "ldap2026", library=net["yuzhong"])


def test_login_page_offers_the_library_and_logs_in_through_ldap(net, slapd_server):
    ldap_source(net["zhuji"], slapd_server.uri)
    client = Client()
    assert "330681" in client.get("/accounts/login/").content.decode()
    response = client.post(
        "/accounts/login/", {"identifier": "ZJ800001", "password": "ldap2026", "library": "330681"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_local_database_source_checks_cards_of_its_library(net):
    person = reader(net["zhuji"])
    ReaderCard.objects.create(user=person, library=net["zhuji"], number="ZJ1")
    source = IdentitySource.objects.create(library=net["zhuji"], name="本馆", kind="local")
    backend = backend_for(source)
    assert backend.authenticate("ZJ1", READER_PASSWORD).external_id == str(person.public_id)
    assert backend.authenticate("ZJ1", "wrong2026") is None
