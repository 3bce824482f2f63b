"""Registering OIDC client systems, tried as an attacker would: hostile redirect URIs and
silent sign-in (skip_consent) set up by a county library's administrator."""

from __future__ import annotations

import pytest

from shuxiang.accounts import oidc, redirect_uris
from shuxiang.accounts.models import ClientRegistration
from shuxiang.accounts.tests.factories import staff_of
from shuxiang.core.errors import PermissionDenied, ValidationFailed

HOSTILE = [
    "http://127.0.0.1.evil.example/cb",  # the prefix check of old let this through
    "http://localhost.evil/cb",
    "http://localhost.evil.example:8080/cb",
    "http://127.0.0.1@evil.example/cb",  # userinfo: the host is evil.example
    "http://127.0.0.1:80@evil.example/cb",
    "https://ils.example@evil.example/cb",
    "https://ils.example/cb#token",  # fragments are forbidden (RFC 6749 §3.1.2)
    "https://ils.example/cb#",
    "https://ils.example./cb",  # trailing dot
    "http://127.0.0.1./cb",
    "https://ILS.example/cb",  # upper case
    "http://LOCALHOST/cb",
    "https://ils.exаmple/cb",  # Cyrillic а: an IDN homograph
    "https://图书馆.中国/cb",  # international names go in their xn-- form
    "http://127。0。0。1/cb",  # ideographic full stops fold to dots under IDNA
    "http://ils.example/cb",  # plain http off this machine
    "http://localhost/cb",  # RFC 8252 §8.3: loopback IP literals only
    "http://localhost:8080/cb",
    "http://127.1/cb",
    "http://2130706433/cb",
    "http://0x7f.0.0.1/cb",
    "http://[::ffff:127.0.0.1]/cb",
    "http://127.0.0.1:８０/cb",  # full-width port digits
    "http://127.0.0.1:99999/cb",
    "https://ils.example\\@evil.example/cb",
    "https://ils.example /cb",
    "javascript:alert(1)//https://ils.example/cb",
    "ftp://ils.example/cb",
    "https:///cb",
    "http://[::1/cb",
]

ACCEPTED = [
    "https://ils.example/cb",
    "https://ils.example:8443/oidc/callback?tenant=zj",
    "https://xn--fiq228c.xn--fiqs8s/cb",
    "http://127.0.0.1/cb",
    "http://127.0.0.1:53682/cb",
    "http://[::1]:8400/callback",
]


@pytest.mark.parametrize("uri", HOSTILE)
def test_a_hostile_redirect_uri_has_a_reason(uri):
    assert redirect_uris.problem(uri)


@pytest.mark.parametrize("uri", ACCEPTED)
def test_https_and_exact_loopback_addresses_have_none(uri):
    assert redirect_uris.problem(uri) is None


@pytest.mark.django_db
def test_registration_refuses_each_hostile_uri_with_a_field_error(net):
    with pytest.raises(ValidationFailed) as caught:
        oidc.register_client(net["zhuji"], "ILS", HOSTILE, by=staff_of(net["zhuji"]))
    errors = caught.value.errors
    assert [e.field for e in errors] == [f"redirect_uris[{i}]" for i in range(len(HOSTILE))]
    assert all(
        uri in e.reason and e.code == "redirect_uri" for uri, e in zip(HOSTILE, errors, strict=True)
    )
    assert not ClientRegistration.objects.exists()


@pytest.mark.django_db
def test_hostile_logout_uris_are_refused_too(net):
    with pytest.raises(ValidationFailed) as caught:
        oidc.register_client(
            net["zhuji"],
            "ILS",
            ["https://ils.example/cb"],
            post_logout_redirect_uris=["https://x.example/bye", "http://localhost.evil/bye"],
            by=staff_of(net["zhuji"]),
        )
    assert [e.field for e in caught.value.errors] == ["post_logout_redirect_uris[1]"]


@pytest.mark.django_db
def test_https_and_exact_loopback_addresses_are_registered(net):
    app, _secret = oidc.register_client(net["zhuji"], "ILS", ACCEPTED, by=staff_of(net["zhuji"]))
    assert app.redirect_uris.split() == ACCEPTED


@pytest.mark.django_db
def test_the_api_names_the_field_and_the_reason(client, net):
    client.force_login(staff_of(net["zhuji"]))
    response = client.post(
        "/api/v1/accounts/clients",
        {
            "library": "330681",
            "name": "ILS",
            "redirect_uris": ["https://ils.example/cb", "http://127.0.0.1.evil.example/cb"],
        },
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    [error] = response.json()["errors"]
    assert error["field"] == "redirect_uris[1]"
    assert "http://127.0.0.1.evil.example/cb" in error["reason"]
    assert "RFC 8252" in error["reason"]


@pytest.mark.django_db
def test_a_county_admins_skip_consent_is_held_for_a_centers_approval(net):
    app, _secret = oidc.register_client(
        net["zhuji"],
        "ILS",
        ["https://ils.example/cb"],
        skip_consent=True,
        by=staff_of(net["zhuji"]),
    )
    app.refresh_from_db()
    assert app.skip_authorization is False
    assert app.registration.skip_consent_pending


@pytest.mark.django_db
def test_only_a_center_above_the_library_approves_skipping_consent(net):
    app, _secret = oidc.register_client(
        net["zhuji"], "ILS", ["https://ils.example/cb"], skip_consent=True, by=staff_of(net["sx"])
    )
    for approver in ("zhuji", "sx", "gs"):  # the county, its city, another province
        with pytest.raises(PermissionDenied, match="provincial center"):
            oidc.approve_skip_consent(app.client_id, by=staff_of(net[approver]))
    app.refresh_from_db()
    assert app.skip_authorization is False


@pytest.mark.django_db
def test_the_provincial_or_national_center_approves_skipping_consent(net):
    for center in ("zj", "nlc"):
        app, _secret = oidc.register_client(
            net["zhuji"],
            "ILS",
            ["https://ils.example/cb"],
            skip_consent=True,
            by=staff_of(net["zhuji"]),
        )
        registration = oidc.approve_skip_consent(app.client_id, by=staff_of(net[center]))
        app.refresh_from_db()
        assert app.skip_authorization is True and not registration.skip_consent_pending
        assert registration.skip_consent_approved_by is not None


@pytest.mark.django_db
def test_a_center_admin_registers_a_silent_client_directly(net):
    app, _secret = oidc.register_client(
        net["zhuji"], "ILS", ["https://ils.example/cb"], skip_consent=True, by=staff_of(net["zj"])
    )
    app.refresh_from_db()
    assert app.skip_authorization is True


@pytest.mark.django_db
def test_approval_through_the_api(client, net):
    county = staff_of(net["zhuji"])
    client.force_login(county)
    created = client.post(
        "/api/v1/accounts/clients",
        {
            "library": "330681",
            "name": "ILS",
            "redirect_uris": ["https://ils.example/cb"],
            "skip_consent": True,
        },
        content_type="application/json",
    ).json()
    assert created["skip_consent"] is False and created["skip_consent_pending"] is True
    url = f"/api/v1/accounts/clients/{created['client_id']}/skip-consent"
    assert client.post(url).status_code == 403
    client.force_login(staff_of(net["zj"]))
    approved = client.post(url)
    assert approved.status_code == 200
    assert approved.json()["skip_consent"] is True
