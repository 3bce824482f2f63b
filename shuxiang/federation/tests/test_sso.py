"""One identity across nodes, service by service (the provider's keys over real HTTP).

The node under test is its own parent's provider here: its live server publishes the JWKS the
logout tokens are checked against, so signatures are real and checked by joserfc.
"""

from __future__ import annotations

import json
import secrets
import time
from importlib import import_module

import pytest
import requests
from django.conf import settings
from django.test import Client
from django.utils import timezone
from jwcrypto import jwt as jwcrypto_jwt
from oauth2_provider.models import get_application_model

from shuxiang.accounts import oidc_sessions
from shuxiang.accounts.models import ProviderSession, ProviderSessionClient, User
from shuxiang.accounts.tests.factories import reader
from shuxiang.core.errors import ValidationFailed
from shuxiang.federation import sso, sso_logout, sso_provider
from shuxiang.federation.models import HostedLibrary, Node, SsoLink, SsoSession, SsoUpstream
from shuxiang.network.tests.factories import small_network

pytestmark = pytest.mark.django_db(transaction=True)
EVENT = oidc_sessions.LOGOUT_EVENT


@pytest.fixture
def upstream(live_server, settings):
    """This node as a client of the provider at ``live_server`` (itself)."""
    settings.BASE_URL = live_server.url
    # the live server's first answer can be slow on a loaded machine; wait for it once here
    requests.get(live_server.url + "/.well-known/openid-configuration", timeout=180)
    parent = Node.objects.create(
        name="国家中心节点", base_url="http://127.0.0.1:9", relation="parent", status="approved"
    )
    return SsoUpstream.objects.create(
        node=parent,
        issuer=live_server.url,
        client_id="province-client",
        client_secret_enc="",
        label="国家图书馆",
    )


def signed(claims: dict, **header) -> str:
    key = oidc_sessions._signing_key()
    head = {"alg": "RS256", "typ": "logout+jwt", "kid": key.thumbprint(), **header}
    token = jwcrypto_jwt.JWT(header=json.dumps(head), claims=json.dumps(claims))
    token.make_signed_token(key)
    return token.serialize()


def logout_claims(upstream: SsoUpstream, **changes) -> dict:
    now = int(time.time())
    claims = {
        "iss": upstream.issuer,
        "aud": upstream.client_id,
        "iat": now,
        "exp": now + 120,
        "jti": secrets.token_urlsafe(8),
        "sid": "s-1",
        "events": {EVENT: {}},
    }
    if "iat" in changes:  # given relative to now
        changes = {**changes, "iat": now + changes["iat"]}
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def browser_session(user: User) -> str:
    store = import_module(settings.SESSION_ENGINE).SessionStore()
    store["_auth_user_id"] = str(user.pk)
    store.create()
    return store.session_key


def session_exists(key: str) -> bool:
    return import_module(settings.SESSION_ENGINE).SessionStore().exists(key)


def test_first_login_creates_then_links_by_issuer_and_subject_only():
    small_network()
    claims = {"sub": "a-1", "name": "王小书", "home_library": "330681", "home_node": "https://n"}
    first = sso.link_account("https://n", claims)
    assert sso.link_account("https://n", {**claims, "name": "改名"}) == first
    same_name = sso.link_account("https://n", {**claims, "sub": "a-2"})
    assert same_name != first  # the same name (or e-mail, phone) never links
    other_issuer = sso.link_account("https://m", claims)
    assert other_issuer not in (first, same_name)
    assert first.home_library.code == "330681" and not first.has_usable_password()
    assert not first.staff_roles.exists() and not first.is_staff and not first.is_superuser
    assert SsoLink.objects.count() == 3


def test_home_claims_pass_on_the_upstream_home():
    small_network()
    user = sso.link_account(
        "https://n",
        {
            "sub": "x",
            "home_library": "NLC",
            "home_library_name": "国家图书馆",
            "home_node": "https://n",
        },
    )
    assert sso.home_claims(user) == {
        "home_library": "NLC",
        "home_library_name": "国家图书馆",
        "home_node": "https://n",
    }
    local = reader(small_network_library("330681"), real_name=False)
    assert sso.home_claims(local) is None  # a reader of this node: the provider's own answer


def small_network_library(code: str):
    from shuxiang.network.models import Library

    return Library.objects.get(code=code)


def test_a_good_logout_token_ends_the_session_here(upstream):
    user = User.objects.create(username="fed-1")
    key = browser_session(user)
    SsoSession.objects.create(issuer=upstream.issuer, sid="s-1", subject="a", session_key=key)
    assert sso_logout.receive_backchannel_logout(signed(logout_claims(upstream))) == 1
    assert not session_exists(key)
    assert SsoSession.objects.get().ended_at is not None


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"aud": "someone-else"}, "logout_token"),
        ({"events": None}, "events"),
        ({"nonce": "n"}, "nonce"),
        ({"sid": None}, "sid"),
        ({"iat": -3600}, "iat"),  # relative to now: issued an hour ago, still unexpired
        ({"iss": "https://elsewhere.example"}, "iss"),
    ],
)
def test_logout_tokens_that_are_refused(upstream, changes, field):
    with pytest.raises(ValidationFailed) as refused:
        sso_logout.receive_backchannel_logout(signed(logout_claims(upstream, **changes)))
    assert refused.value.errors[0].field == field


def test_a_replayed_or_tampered_logout_token_is_refused(upstream):
    token = signed(logout_claims(upstream))
    sso_logout.receive_backchannel_logout(token)
    with pytest.raises(ValidationFailed) as replayed:
        sso_logout.receive_backchannel_logout(token)
    assert replayed.value.errors[0].field == "jti"
    head, body, signature = signed(logout_claims(upstream)).split(".")
    forged = signature[:-4] + ("AAAA" if signature[-4:] != "AAAA" else "BBBB")
    with pytest.raises(ValidationFailed) as tampered:
        sso_logout.receive_backchannel_logout(f"{head}.{body}.{forged}")
    assert tampered.value.errors[0].field == "id_token"


def test_the_backchannel_endpoint_answers_in_the_spec_shape(upstream):
    answer = Client().post("/federation/sso/backchannel-logout/", {"logout_token": "x.y.z"})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"
    assert answer["Cache-Control"] == "no-store"
    good = signed(logout_claims(upstream))
    ok = Client().post("/federation/sso/backchannel-logout/", {"logout_token": good})
    assert ok.status_code == 200 and ok.json() == {"ended": 0}


def child_node(status: str = "approved") -> Node:
    net = small_network()
    node = Node.objects.create(
        name="浙江省节点",
        base_url="http://127.0.0.1:8101",
        relation="child",
        status=status,
        approved_at=timezone.now(),
    )
    HostedLibrary.objects.create(node=node, library=net["zj"])
    return node


def test_an_approved_child_gets_a_client_and_a_new_secret_each_time():
    node = child_node()
    first = sso_provider.client_for_child(node)
    app = get_application_model().objects.get(client_id=first["client_id"])
    assert app.redirect_uris == "http://127.0.0.1:8101/federation/sso/callback/"
    assert app.skip_authorization and app.registration.library.code == "330000"
    assert app.registration.backchannel_logout_uri.endswith("/federation/sso/backchannel-logout/")
    second = sso_provider.client_for_child(node)
    assert second["client_id"] == first["client_id"]
    assert second["client_secret"] != first["client_secret"]
    assert first["label"] == "国家图书馆"


def test_a_pending_child_gets_no_client():
    with pytest.raises(ValidationFailed) as refused:
        sso_provider.client_for_child(child_node(status="pending"))
    assert refused.value.errors[0].field == "node"


def test_a_child_ends_only_sessions_its_client_took_part_in():
    node = child_node()
    answer = sso_provider.client_for_child(node)
    app = get_application_model().objects.get(client_id=answer["client_id"])
    user = User.objects.create(username="r")
    mine = ProviderSession.objects.create(sid="mine", session_key=browser_session(user), user=user)
    ProviderSessionClient.objects.create(session=mine, application=app)
    other = ProviderSession.objects.create(
        sid="other", session_key=browser_session(user), user=user
    )
    assert sso_logout.parent_logout_from_child(node, "other") == 0
    assert sso_logout.parent_logout_from_child(node, "mine") == 1
    assert not session_exists(mine.session_key) and session_exists(other.session_key)


def test_the_login_page_offers_the_parent_account(upstream):
    page = Client().get("/accounts/login/?next=/accounts/me/")
    assert "国家图书馆账号登录" in page.content.decode()
    assert "/federation/sso/login/?next=%2Faccounts%2Fme%2F" in page.content.decode()


def test_a_callback_that_was_not_started_here_is_refused(upstream):
    answer = Client().get("/federation/sso/callback/?code=abc&state=forged")
    assert answer.status_code == 400
    assert "此次登录不是从本站发起的" in answer.content.decode()
