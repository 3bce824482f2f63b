"""OAI-PMH never reveals more than search: anonymous harvesters get what anonymous search finds,
staff and partner nodes harvest their scope with a bearer token; the repository id is real."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from shuxiang.accounts.services import issue_api_token
from shuxiang.accounts.tests.factories import admin_of
from shuxiang.catalog import services
from shuxiang.catalog.oai.provider import repository_id
from shuxiang.catalog.search import service as search
from shuxiang.catalog.services import set_spec_of
from shuxiang.catalog.tests.factories import record
from shuxiang.catalog.tests.xsd import assert_valid
from shuxiang.core.actors import SYSTEM
from shuxiang.network.tests.factories import small_network

pytestmark = pytest.mark.django_db
OAI = "{http://www.openarchives.org/OAI/2.0/}"
POLICIES = ["public", "registered", "library", "network", "staff"]


@pytest.fixture
def shelves(tantivy_engine, committed):
    """One record per access policy in each of two libraries, and two tombstones."""
    net = small_network()
    with committed():
        made = {
            (policy, code): record(f"县志 {policy} {code}", library=net[code], access=policy)
            for policy in POLICIES
            for code in ("sx", "lz")
        }
        for policy in ("public", "staff"):
            gone = record(f"县志 gone {policy}", library=net["sx"], access=policy)
            services.delete_record(gone.pk, by=SYSTEM)
            made[(policy, "gone")] = gone
    return net, made


def harvest(client, prefix="oai_dc", **headers) -> tuple[set[int], set[int]]:
    """(live record ids, tombstone ids) of a full ListRecords harvest."""
    live, gone, params = set(), set(), {"verb": "ListRecords", "metadataPrefix": prefix}
    while params:
        response = client.get("/oai", params, **headers)
        assert response.status_code == 200
        doc = assert_valid(response.content)
        for header in doc.iter(f"{OAI}header"):
            number = int(header.findtext(f"{OAI}identifier").rsplit(":", 1)[1])
            (gone if header.get("status") == "deleted" else live).add(number)
        token = doc.findtext(f"{OAI}ListRecords/{OAI}resumptionToken")
        params = {"verb": "ListRecords", "resumptionToken": token} if token else None
    return live, gone


def searched(actor) -> set[int]:
    page = search.search(actor=actor, q="县志", page_size=100)
    return {r.pk for hit in page.hits for r in [hit.record, *hit.holdings]}


def test_anonymous_oai_and_anonymous_search_reveal_the_same_records(client, shelves):
    _net, made = shelves
    live, gone = harvest(client)
    assert live == searched(AnonymousUser())
    assert live == {made[("public", code)].pk for code in ("sx", "lz")}
    assert gone == {made[("public", "gone")].pk}  # a restricted record's tombstone is hidden too


def test_restricted_records_do_not_exist_for_anonymous_get_record(client, shelves):
    _net, made = shelves
    for policy in POLICIES[1:]:
        identifier = f"oai:{repository_id()}:{made[(policy, 'sx')].pk}"
        for verb, extra in (
            ("GetRecord", {"metadataPrefix": "oai_dc"}),
            ("ListMetadataFormats", {}),
        ):
            doc = assert_valid(
                client.get("/oai", {"verb": verb, "identifier": identifier, **extra}).content
            )
            assert doc.find(f"{OAI}error").get("code") == "idDoesNotExist"


def test_sets_of_restricted_records_are_not_listed_anonymously(client, tantivy_engine):
    net = small_network()
    record("内部资料", library=net["lz"], access="staff", collection="内部")
    record("公开资料", library=net["sx"], collection="公开")
    specs = {
        e.text
        for e in assert_valid(client.get("/oai", {"verb": "ListSets"}).content).iter(
            f"{OAI}setSpec"
        )
    }
    collections = {s for s in specs if s.startswith("collection:")}
    assert collections == {set_spec_of("collection", "公开")}
    assert not any("620000" in spec for spec in specs)


def test_staff_harvest_their_scope_with_a_bearer_token(client, shelves):
    net, made = shelves
    staff = admin_of(net["sx"])
    token = issue_api_token(staff, "federation")
    live, gone = harvest(client, HTTP_AUTHORIZATION=f"Bearer {token}")
    assert live == searched(staff)
    assert {made[(policy, "sx")].pk for policy in POLICIES} <= live
    assert made[("staff", "lz")].pk not in live and made[("staff", "gone")].pk in gone


def test_a_bad_bearer_token_is_refused_not_served_anonymously(client, shelves):
    response = client.get("/oai", {"verb": "Identify"}, HTTP_AUTHORIZATION="Bearer forged")
    assert response.status_code == 401 and "Bearer" in response["WWW-Authenticate"]


def test_a_staff_resumption_token_is_useless_anonymously(client, shelves, monkeypatch):
    monkeypatch.setattr("shuxiang.catalog.oai.provider.PAGE_SIZE", 2)
    net, _made = shelves
    bearer = issue_api_token(admin_of(net["sx"]), "federation")
    first = client.get("/oai", {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc"},
                       HTTP_AUTHORIZATION=f"Bearer {bearer}")  # fmt: skip
    token = assert_valid(first.content).findtext(f"{OAI}ListIdentifiers/{OAI}resumptionToken")
    doc = assert_valid(
        client.get("/oai", {"verb": "ListIdentifiers", "resumptionToken": token}).content
    )
    assert doc.find(f"{OAI}error").get("code") == "badResumptionToken"


def test_repository_id_is_configured_or_derived_from_the_base_url(monkeypatch):
    monkeypatch.delenv("SHUXIANG_OAI_REPOSITORY_ID", raising=False)
    monkeypatch.setenv("SHUXIANG_BASE_URL", "https://Lib.Shaoxing.example.cn:8443/portal")
    assert repository_id() == "lib.shaoxing.example.cn"
    monkeypatch.setenv("SHUXIANG_OAI_REPOSITORY_ID", "sxlib.org.cn")
    assert repository_id() == "sxlib.org.cn"
    monkeypatch.delenv("SHUXIANG_OAI_REPOSITORY_ID")
    monkeypatch.setenv("SHUXIANG_BASE_URL", "http://127.0.0.1:8000")
    assert repository_id() != "shuxiang.local" and "." in repository_id()
