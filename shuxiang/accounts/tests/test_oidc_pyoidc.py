"""OpenID Connect end to end over real HTTPS with a second, independent relying party: pyoidc
(``oic``, with pyjwkest verifying signatures), not Authlib/joserfc of ``test_oidc_live``.

pyoidc insists on an https issuer, so the node is served by uvicorn over TLS with
``SHUXIANG_BASE_URL`` set to that address: the same run checks HSTS and Secure cookies.
"""

from __future__ import annotations

import secrets
from urllib.parse import urlsplit

import pytest
import requests
from oic.oauth2.message import ErrorResponse
from oic.oic import Client
from oic.oic.message import AuthorizationResponse, RegistrationResponse
from oic.utils.authn.client import CLIENT_AUTHN_METHOD
from oic.utils.settings import OicClientSettings

from shuxiang.accounts import oidc
from shuxiang.accounts.tests.factories import READER_PASSWORD, reader, staff_of
from shuxiang.accounts.tests.oidc_browser import Browser
from shuxiang.accounts.tests.tls_server import TlsServer, free_port
from shuxiang.network.tests.factories import small_network

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
REDIRECT = "http://127.0.0.1:53682/callback"  # a native app's loopback listener (RFC 8252)


@pytest.fixture
def node(settings, tmp_path):
    port = free_port()
    settings.BASE_URL = f"https://127.0.0.1:{port}"  # as SHUXIANG_BASE_URL=https://… sets:
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    settings.SECURE_HSTS_SECONDS = 31536000
    net = small_network()
    reader(net["zhuji"], mobile="13700002222")
    app, secret = oidc.register_client(
        net["zhuji"], "诸暨 ILS", [REDIRECT], by=staff_of(net["zhuji"])
    )
    with TlsServer(tmp_path, port) as server:
        yield {"server": server, "net": net, "client_id": app.client_id, "secret": secret}


def relying_party(node) -> Client:
    session = requests.Session()
    session.trust_env = False  # loopback only: never through a proxy from the environment
    rp = Client(
        client_authn_method=CLIENT_AUTHN_METHOD,
        settings=OicClientSettings(
            verify_ssl=str(node["server"].ca), requests_session=session, timeout=10
        ),
    )
    rp.provider_config(node["server"].url)  # discovery; pyoidc checks the issuer matches
    rp.store_registration_info(
        RegistrationResponse(
            client_id=node["client_id"],
            client_secret=node["secret"],
            redirect_uris=[REDIRECT],
            token_endpoint_auth_method="client_secret_basic",
        )
    )
    return rp


def browser_for(node) -> Browser:
    browser = Browser(node["server"].url)
    browser.http.verify = str(node["server"].ca)
    return browser


def authorization_url(rp: Client, state: str, nonce: str, **extra) -> tuple[str, str]:
    pkce, verifier = rp.add_code_challenge()
    request = rp.construct_AuthorizationRequest(
        request_args={
            "client_id": rp.client_id,
            "response_type": "code",
            "scope": ["openid", "profile", "library"],
            "redirect_uri": REDIRECT,
            "state": state,
            "nonce": nonce,
            **pkce,
            **extra,
        }
    )
    return request.request(rp.authorization_endpoint), verifier


def silently(browser: Browser, url: str, rp: Client):
    """A prompt=none request: the node must answer at once with a redirect to the client."""
    response = browser.http.get(url, allow_redirects=False, timeout=10)
    assert response.status_code == 302, response.text[:300]
    location = response.headers["Location"]
    assert location.startswith(REDIRECT + "?")
    return rp.parse_response(
        AuthorizationResponse, info=urlsplit(location).query, sformat="urlencoded"
    )


def test_pyoidc_signs_a_reader_in_then_prompt_none_answers_by_session_and_consent(node):
    rp = relying_party(node)
    assert rp.provider_info["issuer"] == node["server"].url
    assert rp.provider_info["code_challenge_methods_supported"] == ["S256"]
    browser = browser_for(node)

    state, nonce = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    url, verifier = authorization_url(rp, state, nonce)
    callback = browser.open_until_offsite(url, identifier="13700002222", password=READER_PASSWORD)
    answer = rp.parse_response(
        AuthorizationResponse, info=urlsplit(callback).query, sformat="urlencoded"
    )
    assert answer["state"] == state
    tokens = rp.do_access_token_request(
        state=state,
        request_args={"code": answer["code"], "redirect_uri": REDIRECT, "code_verifier": verifier},
        authn_method="client_secret_basic",
    )
    id_token = tokens["id_token"]  # signature, iss, aud and expiry checked by pyoidc
    assert id_token["iss"] == node["server"].url and id_token["aud"] == [rp.client_id]
    assert id_token["nonce"] == nonce
    info = rp.do_user_info_request(state=state)
    assert info["sub"] == id_token["sub"] and info["home_library"] == "330681"

    session_cookie = next(c for c in browser.http.cookies if c.name == "sessionid")
    assert session_cookie.secure  # HTTPS base URL: cookies never travel in clear
    home = browser.http.get(node["server"].url + "/", timeout=10)
    assert home.headers["Strict-Transport-Security"].startswith("max-age=31536000")

    # prompt=none, signed in and consented: a code, no page
    state2 = secrets.token_urlsafe(12)
    url, verifier = authorization_url(rp, state2, secrets.token_urlsafe(12), prompt="none")
    silent = silently(browser, url, rp)
    assert isinstance(silent, AuthorizationResponse) and silent["state"] == state2
    again = rp.do_access_token_request(
        state=state2,
        request_args={"code": silent["code"], "redirect_uri": REDIRECT, "code_verifier": verifier},
        authn_method="client_secret_basic",
    )
    assert again["id_token"]["sub"] == id_token["sub"]

    # prompt=none without a session: login_required
    url, _verifier = authorization_url(rp, "s3", "n3", prompt="none")
    stranger = silently(browser_for(node), url, rp)
    assert isinstance(stranger, ErrorResponse) and stranger["error"] == "login_required"

    # prompt=none, signed in, never consented to this client: consent_required
    other = browser_for(node)
    reader(node["net"]["zhuji"], mobile="13700003333")
    other.http.get(node["server"].url + "/accounts/login/", timeout=10)
    signed_in = other.http.post(
        node["server"].url + "/accounts/login/",
        data={
            "identifier": "13700003333",
            "password": READER_PASSWORD,
            "csrfmiddlewaretoken": other.http.cookies.get("csrftoken", ""),
        },
        headers={"Referer": node["server"].url + "/accounts/login/"},
        allow_redirects=False,
        timeout=10,
    )
    assert signed_in.status_code == 302, signed_in.text[:300]
    url, _verifier = authorization_url(rp, "s4", "n4", prompt="none")
    unconsented = silently(other, url, rp)
    assert isinstance(unconsented, ErrorResponse) and unconsented["error"] == "consent_required"
