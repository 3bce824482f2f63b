"""OIDC hand-off: a vendor signs readers in through the node, with Authlib as its client.

A live node (real HTTP); the vendor's side is Authlib's OAuth2 client doing the authorization
code flow with PKCE, and joserfc checking the ID token against the node's published keys. The
vendor learns a pseudonym for the reader (the same for every sign-in, different at another
vendor) and the entitlement, and nothing else: no name, username or card.
"""

from __future__ import annotations

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.jwk import KeySet

from shuxiang.accounts.tests.factories import READER_PASSWORD, reader, staff_of
from shuxiang.accounts.tests.oidc_browser import Browser
from shuxiang.core.actors import SYSTEM
from shuxiang.network.tests.factories import small_network
from shuxiang.proxy import handoff, oidc, services
from shuxiang.proxy.models import ReaderPause, VendorDefinition

pytestmark = [pytest.mark.live, pytest.mark.django_db(transaction=True)]
REDIRECT = "http://127.0.0.1/vendor/callback"
http = requests.Session()
http.trust_env = False


def vendor_of(net, title: str) -> VendorDefinition:
    services.import_stanzas(f"Title {title}\nURL https://{title}.example/\n", net["zj"], by=SYSTEM)
    return VendorDefinition.objects.get(title=title)


@pytest.fixture
def node(live_server, settings):
    settings.BASE_URL = live_server.url
    net = small_network()
    meta = http.get(f"{live_server.url}/.well-known/openid-configuration", timeout=10).json()
    vendors = {name: vendor_of(net, name) for name in ("cnki", "wanfang")}
    clients = {
        name: oidc.make_client(v.pk, [REDIRECT], by=staff_of(net["zj"]))
        for name, v in vendors.items()
    }
    readers = {
        "county": reader(net["zhuji"], mobile="13700002222"),
        "elsewhere": reader(net["lz"], mobile="13700003333"),
    }
    return {"url": live_server.url, "meta": meta, "vendors": vendors, "clients": clients,
            "readers": readers}  # fmt: skip


def vendor_signs_in(node, name: str, mobile: str, browser: Browser | None = None) -> dict:
    """The vendor's whole code flow for one reader: the verified ID token's claims + userinfo."""
    app, secret = node["clients"][name]
    client = OAuth2Session(
        app.client_id, secret, scope="openid profile cards", redirect_uri=REDIRECT,
        code_challenge_method="S256",
    )  # fmt: skip
    client.trust_env = False
    verifier = generate_token(48)
    url, _ = client.create_authorization_url(
        node["meta"]["authorization_endpoint"], code_verifier=verifier, nonce="n"
    )
    browser = browser or Browser(node["url"])
    callback = browser.open_until_offsite(url, identifier=mobile, password=READER_PASSWORD)
    token = client.fetch_token(
        node["meta"]["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )
    keys = KeySet.import_key_set(http.get(node["meta"]["jwks_uri"], timeout=10).json())
    decoded = jwt.decode(token["id_token"], keys, algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": node["meta"]["issuer"]},
        aud={"essential": True, "value": app.client_id},
    ).validate(decoded.claims)
    return {"id": decoded.claims, "info": client.get(node["meta"]["userinfo_endpoint"]).json()}


def test_a_vendor_gets_a_pairwise_subject_and_the_entitlement_only(node):
    person = node["readers"]["county"]
    first = vendor_signs_in(node, "cnki", "13700002222")
    again = vendor_signs_in(node, "cnki", "13700002222")
    other = vendor_signs_in(node, "wanfang", "13700002222")
    assert first["id"]["sub"] == again["id"]["sub"] == first["info"]["sub"]
    assert first["id"]["sub"] == handoff.subject(person, node["vendors"]["cnki"])
    assert other["id"]["sub"] != first["id"]["sub"]  # unlinkable across vendors
    assert first["id"]["sub"] != str(person.public_id) and str(person.pk) != first["id"]["sub"]
    assert first["info"] == {
        "sub": first["id"]["sub"],
        "entitlement": "urn:shuxiang:library:330000",
    }
    assert "name" not in first["id"] and "reader_cards" not in first["id"]


def test_an_unentitled_or_paused_reader_carries_no_entitlement(node):
    outsider = vendor_signs_in(node, "cnki", "13700003333")
    assert set(outsider["info"]) == {"sub"}
    ReaderPause.objects.create(
        user=node["readers"]["county"], vendor=node["vendors"]["cnki"], reason="too many PDFs"
    )
    paused = vendor_signs_in(node, "cnki", "13700002222")
    assert "entitlement" not in paused["info"]


def test_the_starting_point_sends_the_reader_to_the_oidc_vendor_itself(node):
    person = node["readers"]["county"]
    url = services.start(person, "https://cnki.example/", by=person)
    assert url == "https://cnki.example/"


def test_only_https_redirects_are_accepted_for_a_vendor_client(node):
    from shuxiang.core.errors import ValidationFailed

    vendor = node["vendors"]["cnki"]
    with pytest.raises(ValidationFailed) as failure:
        oidc.make_client(vendor.pk, ["http://vendor.example/cb"], by=SYSTEM)
    assert failure.value.errors[0].field == "redirect_uris"
