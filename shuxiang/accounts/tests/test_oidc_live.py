"""OpenID Connect end to end over real HTTP, with Authlib as the independent client."""

from __future__ import annotations

import secrets

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

from shuxiang.accounts import oidc
from shuxiang.accounts.models import ReaderCard
from shuxiang.accounts.tests.factories import READER_PASSWORD, reader, staff_of
from shuxiang.accounts.tests.oidc_browser import Browser
from shuxiang.network.tests.factories import small_network

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
REDIRECT = "http://127.0.0.1/callback"
http = requests.Session()
http.trust_env = False  # loopback only: never through a proxy from the environment
AFTER_LOGOUT = "http://127.0.0.1/goodbye"


@pytest.fixture
def node(live_server, settings):
    """A live node with a reader holding a card and a client system of the county library."""
    settings.BASE_URL = live_server.url  # the issuer is configuration (SHUXIANG_BASE_URL)
    net = small_network()
    person = reader(net["zhuji"], mobile="13700001111")
    ReaderCard.objects.create(user=person, library=net["zhuji"], number="ZJ2026")
    app, secret = oidc.register_client(
        net["zhuji"],
        "诸暨市图书馆 ILS",
        [REDIRECT],
        post_logout_redirect_uris=[AFTER_LOGOUT],
        by=staff_of(net["zhuji"]),
    )
    meta = http.get(f"{live_server.url}/.well-known/openid-configuration", timeout=10).json()
    return {
        "url": live_server.url,
        "reader": person,
        "client_id": app.client_id,
        "secret": secret,
        "meta": meta,
    }


def client_for(node, scope: str) -> OAuth2Session:
    session = OAuth2Session(
        node["client_id"],
        node["secret"],
        scope=scope,
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
    )
    session.trust_env = False
    return session


def authorize(node, client: OAuth2Session, browser: Browser, verifier: str, nonce: str) -> str:
    url, _state = client.create_authorization_url(
        node["meta"]["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )
    return browser.open_until_offsite(url, identifier="13700001111", password=READER_PASSWORD)


def verified_claims(node, id_token: str) -> dict:
    keys = KeySet.import_key_set(http.get(node["meta"]["jwks_uri"], timeout=10).json())
    token = jwt.decode(id_token, keys, algorithms=["RS256"])
    assert token.header["alg"] == "RS256"
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": node["meta"]["issuer"]},
        aud={"essential": True, "value": node["client_id"]},
        exp={"essential": True},
    ).validate(token.claims)
    return token.claims


def test_full_sso_flow_discovery_to_logout(node):
    meta = node["meta"]
    assert meta["issuer"] == node["url"]
    assert "S256" in meta["code_challenge_methods_supported"]
    browser = Browser(node["url"])
    client = client_for(node, "openid profile library cards")
    verifier, nonce = generate_token(48), secrets.token_urlsafe(16)
    callback = authorize(node, client, browser, verifier, nonce)
    assert callback.startswith(REDIRECT + "?code=")

    token = client.fetch_token(
        meta["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )
    claims = verified_claims(node, token["id_token"])
    assert claims["nonce"] == nonce
    assert claims["sub"] == str(node["reader"].public_id)

    info = client.get(meta["userinfo_endpoint"]).json()
    assert info["sub"] == claims["sub"]
    assert info["home_library"] == "330681"
    assert info["reader_cards"] == [{"library": "330681", "number": "ZJ2026"}]
    assert "real_name_verified" not in info  # the realname scope was not asked for

    refreshed = client.refresh_token(meta["token_endpoint"], refresh_token=token["refresh_token"])
    assert refreshed["access_token"] != token["access_token"]
    assert client.get(meta["userinfo_endpoint"]).json()["sub"] == claims["sub"]

    logout = browser.http.get(
        meta["end_session_endpoint"],
        params={
            "id_token_hint": token["id_token"],
            "post_logout_redirect_uri": AFTER_LOGOUT,
            "client_id": node["client_id"],
        },
        allow_redirects=False,
        timeout=10,
    )
    assert logout.status_code == 302 and logout.headers["Location"].startswith(AFTER_LOGOUT)
    me = browser.http.get(f"{node['url']}/accounts/me/", allow_redirects=False, timeout=10)
    assert me.status_code == 302 and "/accounts/login/" in me.headers["Location"]
    assert client.get(meta["userinfo_endpoint"]).status_code == 401


def test_claims_need_their_scope(node):
    browser = Browser(node["url"])
    client = client_for(node, "openid")
    verifier = generate_token(48)
    callback = authorize(node, client, browser, verifier, "n1")
    client.fetch_token(
        node["meta"]["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )
    assert set(client.get(node["meta"]["userinfo_endpoint"]).json()) == {"sub"}


def _code_of(callback: str) -> str:
    return callback.split("code=", 1)[1].split("&", 1)[0]


def _exchange(node, code: str, verifier: str) -> requests.Response:
    return http.post(
        node["meta"]["token_endpoint"],
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "code_verifier": verifier,
        },
        auth=(node["client_id"], node["secret"]),
        timeout=10,
    )


def test_a_replayed_authorization_code_is_refused(node):
    verifier = generate_token(48)
    callback = authorize(node, client_for(node, "openid"), Browser(node["url"]), verifier, "n2")
    code = _code_of(callback)
    assert _exchange(node, code, verifier).status_code == 200
    replay = _exchange(node, code, verifier)
    assert replay.status_code == 400 and replay.json()["error"] == "invalid_grant"


def test_a_pkce_verifier_mismatch_is_refused(node):
    verifier = generate_token(48)
    callback = authorize(node, client_for(node, "openid"), Browser(node["url"]), verifier, "n3")
    wrong = _exchange(node, _code_of(callback), generate_token(48))
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
