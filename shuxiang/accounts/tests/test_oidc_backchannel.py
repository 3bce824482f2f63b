"""Back-Channel Logout 1.0, the provider's side, over real HTTP: sid in ID tokens, logout tokens.

The client system's back-channel endpoint is a real HTTP server on loopback that keeps what it
receives; the logout tokens are checked with joserfc against the provider's published JWKS.
"""

from __future__ import annotations

import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import pytest
import requests
from authlib.common.security import generate_token
from joserfc import jwt
from joserfc.jwk import KeySet

from shuxiang.accounts import oidc
from shuxiang.accounts.models import ProviderSession
from shuxiang.accounts.tests.factories import READER_PASSWORD, reader, staff_of
from shuxiang.accounts.tests.oidc_browser import Browser
from shuxiang.accounts.tests.test_oidc_live import AFTER_LOGOUT, REDIRECT, authorize, client_for
from shuxiang.core.errors import ValidationFailed
from shuxiang.network.tests.factories import small_network

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
EVENT = "http://schemas.openid.net/event/backchannel-logout"
http = requests.Session()
http.trust_env = False


@pytest.fixture
def receiver():
    """A client system's back-channel logout endpoint: a real HTTP server keeping the tokens."""
    received: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            received.extend(parse_qs(body).get("logout_token", []))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/backchannel", received
    server.shutdown()
    server.server_close()


@pytest.fixture
def node(live_server, settings, receiver):
    settings.BASE_URL = live_server.url
    net = small_network()
    reader(net["zhuji"], mobile="13700001111")
    clients = []
    for name in ("浙江省节点", "杭州市节点"):
        app, secret = oidc.register_client(
            net["zhuji"],
            name,
            [REDIRECT],
            post_logout_redirect_uris=[AFTER_LOGOUT],
            backchannel_logout_uri=receiver[0],
            by=staff_of(net["zhuji"]),
        )
        clients.append({"client_id": app.client_id, "secret": secret})
    meta = http.get(f"{live_server.url}/.well-known/openid-configuration", timeout=10).json()
    return {"url": live_server.url, "clients": clients, "meta": meta, "net": net}


def _sign_in(node, browser: Browser, client: dict) -> dict:
    session = client_for({**node, **client}, "openid")
    verifier = generate_token(48)
    callback = authorize(node, session, browser, verifier, secrets.token_urlsafe(8))
    token = session.fetch_token(
        node["meta"]["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )
    return token


def _claims(node, token: str, typ: str = "JWT") -> dict:
    keys = KeySet.import_key_set(http.get(node["meta"]["jwks_uri"], timeout=10).json())
    decoded = jwt.decode(token, keys, algorithms=["RS256"])
    assert decoded.header["typ"] == typ
    return decoded.claims


def test_discovery_advertises_backchannel_logout(node):
    assert node["meta"]["backchannel_logout_supported"] is True
    assert node["meta"]["backchannel_logout_session_supported"] is True
    assert "sid" in node["meta"]["claims_supported"]


def test_one_session_one_sid_for_every_client(node):
    browser = Browser(node["url"])
    first = _claims(node, _sign_in(node, browser, node["clients"][0])["id_token"])
    second = _claims(node, _sign_in(node, browser, node["clients"][1])["id_token"])
    assert first["sid"] == second["sid"]
    other = _claims(node, _sign_in(node, Browser(node["url"]), node["clients"][0])["id_token"])
    assert other["sid"] != first["sid"]  # another browser, another session


def test_logout_sends_each_client_a_signed_logout_token(node, receiver):
    browser = Browser(node["url"])
    tokens = [_sign_in(node, browser, client) for client in node["clients"]]
    sid = _claims(node, tokens[0]["id_token"])["sid"]
    page = browser.http.get(f"{node['url']}/accounts/me/", timeout=10)
    answer = browser.http.post(
        f"{node['url']}/accounts/logout/",
        data={"csrfmiddlewaretoken": browser.http.cookies["csrftoken"]},
        headers={"Referer": page.url},
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302
    assert len(receiver[1]) == 2
    audiences = set()
    for token in receiver[1]:
        claims = _claims(node, token, typ="logout+jwt")
        assert claims["sid"] == sid and claims["iss"] == node["meta"]["issuer"]
        assert claims["events"] == {EVENT: {}} and "nonce" not in claims and claims["jti"]
        audiences.add(claims["aud"])
    assert audiences == {c["client_id"] for c in node["clients"]}
    assert ProviderSession.objects.get(sid=sid).ended_at is not None


def test_rp_initiated_logout_tells_the_other_clients(node, receiver):
    browser = Browser(node["url"])
    first, _second = (_sign_in(node, browser, client) for client in node["clients"])
    answer = browser.http.get(
        node["meta"]["end_session_endpoint"],
        params={
            "id_token_hint": first["id_token"],
            "post_logout_redirect_uri": AFTER_LOGOUT,
            "client_id": node["clients"][0]["client_id"],
        },
        allow_redirects=False,
        timeout=10,
    )
    assert answer.status_code == 302 and answer.headers["Location"].startswith(AFTER_LOGOUT)
    told = {_claims(node, token, typ="logout+jwt")["aud"] for token in receiver[1]}
    assert node["clients"][1]["client_id"] in told
    me = browser.http.get(f"{node['url']}/accounts/me/", allow_redirects=False, timeout=10)
    assert me.status_code == 302  # the session at the provider ended


def test_backchannel_uri_is_checked_like_a_redirect_uri(node):
    with pytest.raises(ValidationFailed) as refused:
        oidc.register_client(
            node["net"]["zhuji"],
            "坏的",
            [REDIRECT],
            backchannel_logout_uri="http://example.org/logout",
            by=staff_of(node["net"]["zhuji"]),
        )
    assert refused.value.errors[0].field == "backchannel_logout_uri[0]"


def test_password_is_not_in_the_logout_token(node, receiver):
    browser = Browser(node["url"])
    _sign_in(node, browser, node["clients"][0])
    session = ProviderSession.objects.get()
    from shuxiang.accounts.oidc_sessions import end_sessions

    end_sessions(ProviderSession.objects.filter(pk=session.pk), reason="test")
    (token,) = receiver[1]
    assert READER_PASSWORD not in token
    assert set(_claims(node, token, typ="logout+jwt")) == {
        "iss",
        "aud",
        "iat",
        "exp",
        "jti",
        "sub",
        "sid",
        "events",
    }
