"""OIDC provider pages in-process: discovery content and the consent page."""

from __future__ import annotations

import base64
import hashlib

import pytest

from shuxiang.accounts import oidc
from shuxiang.accounts.tests.factories import reader, staff_of

pytestmark = pytest.mark.django_db


def test_discovery_lists_endpoints_scopes_and_claims(client, settings):
    settings.BASE_URL = "https://sso.example"
    meta = client.get("/.well-known/openid-configuration").json()
    assert meta["issuer"] == "https://sso.example"
    assert meta["jwks_uri"] == "https://sso.example/o/jwks/"
    assert meta["end_session_endpoint"] == "https://sso.example/o/logout/"
    assert {"openid", "library", "cards", "realname"} <= set(meta["scopes_supported"])
    assert {"home_library", "reader_cards", "real_name_verified"} <= set(meta["claims_supported"])
    assert "RS256" in meta["id_token_signing_alg_values_supported"]


def test_consent_page_describes_each_scope_to_the_reader_in_chinese(client, net):
    app, _secret = oidc.register_client(
        net["zhuji"], "诸暨 ILS", ["https://ils.example/cb"], by=staff_of(net["zhuji"])
    )
    client.force_login(reader(net["zhuji"]))
    challenge = base64.urlsafe_b64encode(hashlib.sha256(b"v" * 50).digest()).rstrip(b"=")
    page = client.get(
        "/o/authorize/",
        {
            "response_type": "code",
            "client_id": app.client_id,
            "scope": "openid library realname",
            "redirect_uri": "https://ils.example/cb",
            "code_challenge": challenge.decode(),
            "code_challenge_method": "S256",
            "state": "s",
        },
    ).content.decode()
    assert "诸暨 ILS" in page and "您的注册馆" in page and "是否已实名认证" in page
    assert "读者卡号" not in page  # cards were not asked for


def test_authorize_without_pkce_is_refused(client, net):
    app, _secret = oidc.register_client(
        net["zhuji"], "ILS", ["https://ils.example/cb"], by=staff_of(net["zhuji"])
    )
    client.force_login(reader(net["zhuji"]))
    response = client.get(
        "/o/authorize/",
        {
            "response_type": "code",
            "client_id": app.client_id,
            "scope": "openid",
            "redirect_uri": "https://ils.example/cb",
            "state": "s",
        },
    )
    assert response.status_code == 302
    assert "error=invalid_request" in response["Location"]


def test_consent_page_lets_its_form_redirect_to_the_client_only(client, net):
    app, _secret = oidc.register_client(
        net["zhuji"], "ILS", ["https://ils.example/cb"], by=staff_of(net["zhuji"])
    )
    client.force_login(reader(net["zhuji"]))
    challenge = base64.urlsafe_b64encode(hashlib.sha256(b"w" * 50).digest()).rstrip(b"=")
    response = client.get(
        "/o/authorize/",
        {
            "response_type": "code",
            "client_id": app.client_id,
            "scope": "openid",
            "redirect_uri": "https://ils.example/cb",
            "code_challenge": challenge.decode(),
            "code_challenge_method": "S256",
            "state": "s",
        },
    )
    policy = response["Content-Security-Policy"]
    assert policy.endswith("form-action 'self' https://ils.example")
    assert "frame-ancestors 'none'" in policy


def test_login_form_on_the_way_to_a_client_may_end_at_that_client_only(client, net):
    """Browsers apply form-action to the redirects after the login post (login → /o/authorize
    → the client's callback): without the client's origin the reader is stuck on the form."""
    app, _secret = oidc.register_client(
        net["zhuji"], "ILS", ["https://ils.example/cb"], by=staff_of(net["zhuji"])
    )
    authorize = f"/o/authorize/?response_type=code&client_id={app.client_id}&scope=openid"
    page = client.get("/accounts/login/", {"next": authorize})
    assert page["Content-Security-Policy"].endswith("form-action 'self' https://ils.example")
    plain = client.get("/accounts/login/", {"next": "/resources/"})
    assert plain["Content-Security-Policy"].endswith("form-action 'self'")
    forged = client.get("/accounts/login/", {"next": "/o/authorize/?client_id=nobody"})
    assert forged["Content-Security-Policy"].endswith("form-action 'self'")


def test_library_admin_registers_a_client_on_the_page_and_sees_the_secret_once(client, net):
    client.force_login(staff_of(net["sx"]))
    response = client.post(
        "/accounts/clients/",
        {"library": "330681", "name": "诸暨 ILS", "redirect_uris": "https://ils.example/cb"},
    )
    page = response.content.decode()
    assert response.status_code == 200 and 'id="created"' in page
    assert "诸暨 ILS" in client.get("/accounts/clients/").content.decode()
    assert 'id="created"' not in client.get("/accounts/clients/").content.decode()


def test_client_page_names_a_bad_redirect_uri(client, net):
    client.force_login(staff_of(net["sx"]))
    response = client.post(
        "/accounts/clients/",
        {"library": "330681", "name": "ILS", "redirect_uris": "ftp://x.example/cb"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "ftp://x.example/cb cannot be a redirect URI: use https" in response.content.decode()
