"""``prompt=none`` (OIDC Core §3.1.2.6) and the discovery document, in-process.

A relying party asks silently whether the reader is signed in: it must get ``login_required``
without a session, ``consent_required`` without consent, a code otherwise; never a page and
never an HTTP 500. Discovery advertises only what the provider accepts; its issuer is the
configured base URL whatever the Host header says.
"""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import parse_qs, urlsplit

import pytest

from shuxiang.accounts import oidc
from shuxiang.accounts.tests.factories import reader, staff_of

pytestmark = pytest.mark.django_db
CALLBACK = "https://ils.example/cb"


def _challenge(verifier: bytes = b"v" * 50) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=").decode()


def _authorize(client, app, **extra):
    query = {
        "response_type": "code",
        "client_id": app.client_id,
        "scope": "openid",
        "redirect_uri": CALLBACK,
        "code_challenge": _challenge(),
        "code_challenge_method": "S256",
        "state": "st-1",
        **extra,
    }
    return client.get("/o/authorize/", query)


def _answer(response) -> dict[str, str]:
    assert response.status_code == 302, response.content[:300]
    location = response["Location"]
    assert location.startswith(CALLBACK + "?")
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


@pytest.fixture
def app(net):
    application, _secret = oidc.register_client(
        net["zhuji"], "ILS", [CALLBACK], by=staff_of(net["zhuji"])
    )
    return application


def test_prompt_none_without_a_session_answers_login_required(client, app):
    answer = _answer(_authorize(client, app, prompt="none"))
    assert answer == {"error": "login_required", "state": "st-1"}


def test_prompt_none_signed_in_without_consent_answers_consent_required(client, net, app):
    client.force_login(reader(net["zhuji"]))
    answer = _answer(_authorize(client, app, prompt="none"))
    assert answer["error"] == "consent_required" and answer["state"] == "st-1"
    assert "code" not in answer


def test_prompt_none_after_consent_answers_with_a_code(client, net):
    app, secret = oidc.register_client(net["zhuji"], "ILS", [CALLBACK], by=staff_of(net["zhuji"]))
    client.force_login(reader(net["zhuji"]))
    page = _authorize(client, app)  # the interactive flow: the consent page, then "allow"
    assert page.status_code == 200
    form = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    code = _answer(client.post("/o/authorize/", {**form, "allow": "Authorize"}))["code"]
    basic = base64.b64encode(f"{app.client_id}:{secret}".encode()).decode()
    token = client.post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "code_verifier": "v" * 50,
        },
        HTTP_AUTHORIZATION=f"Basic {basic}",
    )
    assert token.status_code == 200
    answer = _answer(_authorize(client, app, prompt="none"))
    assert answer["code"] and answer["state"] == "st-1"


def test_prompt_none_after_a_granted_token_answers_with_a_code(client, net, app):
    from datetime import timedelta

    from django.utils import timezone
    from oauth2_provider.models import AccessToken

    person = reader(net["zhuji"])
    AccessToken.objects.create(
        user=person,
        application=app,
        token="granted-before",
        scope="openid",
        expires=timezone.now() + timedelta(minutes=5),
    )
    client.force_login(person)
    answer = _answer(_authorize(client, app, prompt="none"))
    assert answer["code"] and answer["state"] == "st-1"
    wider = _answer(_authorize(client, app, prompt="none", scope="openid cards"))
    assert wider["error"] == "consent_required"  # consent covers the scopes granted only


def test_prompt_none_to_a_center_approved_silent_client_answers_with_a_code(client, net):
    app, _secret = oidc.register_client(
        net["zhuji"], "ILS", [CALLBACK], skip_consent=True, by=staff_of(net["zj"])
    )
    client.force_login(reader(net["zhuji"]))
    assert _answer(_authorize(client, app, prompt="none"))["code"]


def test_prompt_none_never_redirects_to_an_unregistered_uri(client, net, app):
    client.force_login(reader(net["zhuji"]))
    response = _authorize(client, app, prompt="none", redirect_uri="https://evil.example/cb")
    assert response.status_code == 400
    assert "evil.example" not in response.get("Location", "")


def test_prompt_none_with_login_is_an_invalid_request(client, net, app):
    client.force_login(reader(net["zhuji"]))
    assert _answer(_authorize(client, app, prompt="none login"))["error"] == "invalid_request"


def test_discovery_advertises_exactly_what_the_provider_accepts(client):
    meta = client.get("/.well-known/openid-configuration").json()
    assert meta["response_types_supported"] == ["code"]
    assert meta["code_challenge_methods_supported"] == ["S256"]
    assert meta["id_token_signing_alg_values_supported"] == ["RS256"]
    assert meta["grant_types_supported"] == ["authorization_code", "refresh_token"]
    assert set(meta["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
        "none",
    }
    assert "none" in meta["prompt_values_supported"]


def test_the_issuer_is_configuration_not_the_host_header(client, settings):
    settings.BASE_URL = "https://sso.library.example"
    for host in ("testserver", "evil.example"):
        meta = client.get("/.well-known/openid-configuration", HTTP_HOST=host).json()
        assert meta["issuer"] == "https://sso.library.example"
        assert meta["authorization_endpoint"] == "https://sso.library.example/o/authorize/"
        assert meta["jwks_uri"] == "https://sso.library.example/o/jwks/"
    other = client.get("/.well-known/oauth-authorization-server", HTTP_HOST="evil.example")
    assert other.json()["issuer"] == "https://sso.library.example"
    assert "evil.example" not in other.content.decode()


def test_an_implicit_or_hybrid_request_is_refused(client, net, app):
    client.force_login(reader(net["zhuji"]))
    for response_type in ("token", "id_token", "code id_token"):
        response = _authorize(client, app, response_type=response_type, nonce="n")
        location = response.get("Location", "")
        assert "code=" not in location and "access_token" not in location


def test_a_public_client_redeems_its_code_with_pkce_alone(client, net):
    """Discovery lists ``none`` among the token endpoint's auth methods: it is really accepted."""
    app, _secret = oidc.register_client(
        net["zhuji"], "App", [CALLBACK], confidential=False, by=staff_of(net["zhuji"])
    )
    client.force_login(reader(net["zhuji"]))
    page = _authorize(client, app)
    form = {k: v for k, v in page.context["form"].initial.items() if v is not None}
    code = _answer(client.post("/o/authorize/", {**form, "allow": "Authorize"}))["code"]
    exchange = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": CALLBACK,
        "client_id": app.client_id,
    }
    assert client.post("/o/token/", {**exchange, "code_verifier": "w" * 50}).status_code == 400
    token = client.post("/o/token/", {**exchange, "code_verifier": "v" * 50})
    assert token.status_code == 200 and token.json()["id_token"]
