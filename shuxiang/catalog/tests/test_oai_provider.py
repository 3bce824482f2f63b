"""The OAI-PMH provider: every verb and error, each response validated against the XSDs."""

from __future__ import annotations

import datetime as dt

import pymarc
import pytest
from django.utils import timezone

from shuxiang.catalog import services
from shuxiang.catalog.models import Record
from shuxiang.catalog.oai import tokens
from shuxiang.catalog.oai.provider import Provider, repository_id
from shuxiang.catalog.tests.factories import record, source
from shuxiang.catalog.tests.xsd import assert_valid
from shuxiang.core.actors import SYSTEM
from shuxiang.network.tests.factories import small_network

pytestmark = pytest.mark.django_db
OAI = "{http://www.openarchives.org/OAI/2.0/}"
BASE = "http://testserver/oai"
RID = repository_id()


def ask(client, **params):
    response = client.get("/oai", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    return assert_valid(response.content)


def error_code(doc) -> str | None:
    error = doc.find(f"{OAI}error")
    return None if error is None else error.get("code")


def ids(doc) -> list[str]:
    return [e.text for e in doc.iter(f"{OAI}identifier") if e.getparent().tag == f"{OAI}header"]


@pytest.fixture
def holdings():
    net = small_network()
    made = [
        record(
            f"地方志 {n}",
            library=net["sx"] if n % 2 else net["lz"],
            type="book",
            collection="地方文献",
            creators=["编者"],
            date=str(1990 + n),
        )
        for n in range(5)
    ]
    marc = pymarc.Record()
    marc.add_field(
        pymarc.Field(
            tag="245", indicators=["1", "0"], subfields=[pymarc.Subfield("a", "MARC title")]
        )
    )
    services.upsert_record(
        source=source("marc", kind="marc"),
        local_id="m1",
        fmt="marc21",
        payload=pymarc.record_to_xml(marc, namespace=True).decode(),
        fields={"title": "MARC title"},
        by=SYSTEM,
    )
    services.delete_record(made[0].pk, by=SYSTEM)
    return net, made


def test_identify_describes_the_repository(client, holdings):
    doc = ask(client, verb="Identify")
    assert doc.findtext(f"{OAI}Identify/{OAI}deletedRecord") == "persistent"
    assert doc.findtext(f"{OAI}Identify/{OAI}baseURL") == BASE


def test_list_metadata_formats_offers_marcxml_only_for_marc_records(client, holdings):
    prefixes = lambda doc: [e.text for e in doc.iter(f"{OAI}metadataPrefix")]  # noqa: E731
    assert prefixes(ask(client, verb="ListMetadataFormats")) == ["oai_dc", "shuxiang", "marc21"]
    plain = holdings[1][1]
    assert prefixes(
        ask(client, verb="ListMetadataFormats", identifier=f"oai:{RID}:{plain.pk}")
    ) == ["oai_dc", "shuxiang"]


def test_get_record_in_each_format(client, holdings):
    marc = Record.objects.get(local_id="m1")
    plain = holdings[1][1]
    for prefix, target in (("oai_dc", plain), ("shuxiang", plain), ("marc21", marc)):
        doc = ask(
            client,
            verb="GetRecord",
            identifier=f"oai:{RID}:{target.pk}",
            metadataPrefix=prefix,
        )
        assert doc.find(f"{OAI}GetRecord/{OAI}record/{OAI}metadata") is not None


def test_deleted_record_is_a_header_with_status_deleted(client, holdings):
    gone = holdings[1][0]
    doc = ask(
        client,
        verb="GetRecord",
        identifier=f"oai:{RID}:{gone.pk}",
        metadataPrefix="oai_dc",
    )
    header = doc.find(f"{OAI}GetRecord/{OAI}record/{OAI}header")
    assert header.get("status") == "deleted"
    assert doc.find(f"{OAI}GetRecord/{OAI}record/{OAI}metadata") is None


def test_list_sets_follow_library_tree_type_and_collection(client, holdings):
    specs = [e.text for e in ask(client, verb="ListSets").iter(f"{OAI}setSpec")]
    assert {"library:NLC:330000:330600", "library:NLC:620000:620100", "type:book"} <= set(specs)


def test_selective_harvest_by_set_and_dates(client, holdings):
    doc = ask(client, verb="ListIdentifiers", metadataPrefix="oai_dc", set="library:NLC:330000")
    assert len(ids(doc)) == 2
    today = timezone.now().strftime("%Y-%m-%d")
    assert (
        len(ids(ask(client, verb="ListIdentifiers", metadataPrefix="oai_dc", **{"from": today})))
        == 6
    )
    assert (
        error_code(ask(client, verb="ListRecords", metadataPrefix="oai_dc", until="2000-01-01"))
        == "noRecordsMatch"
    )


def test_list_records_pages_with_resumption_tokens(client, holdings, monkeypatch):
    monkeypatch.setattr("shuxiang.catalog.oai.provider.PAGE_SIZE", 2)
    seen, token, cursors = [], None, []
    while True:
        params = {"resumptionToken": token} if token else {"metadataPrefix": "oai_dc"}
        doc = ask(client, verb="ListRecords", **params)
        seen += ids(doc)
        element = doc.find(f"{OAI}ListRecords/{OAI}resumptionToken")
        cursors.append(element.get("cursor"))
        assert element.get("completeListSize") == "6"
        token = element.text
        if not token:
            break
    assert cursors == ["0", "2", "4"] and len(set(seen)) == 6


def test_marc21_lists_only_marc_records(client, holdings):
    doc = ask(client, verb="ListRecords", metadataPrefix="marc21")
    assert len(ids(doc)) == 1


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({}, "badVerb"),
        ({"verb": "Explode"}, "badVerb"),
        ({"verb": "ListRecords"}, "badArgument"),
        ({"verb": "Identify", "set": "x"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-13-45"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-1-1"}, "badArgument"),
        ({"verb": "ListRecords", "metadataPrefix": "oai_dc", "until": "2020-01-1"}, "badArgument"),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "２０２０-01-01"},
            "badArgument",
        ),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2020-01-01T08:00:00+08:00",
            },
            "badArgument",
        ),
        (
            {"verb": "ListRecords", "metadataPrefix": "oai_dc", "from": "2020-01-01T00:00:00"},
            "badArgument",
        ),
        ({"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "from": "2020"}, "badArgument"),
        (
            {
                "verb": "ListRecords",
                "metadataPrefix": "oai_dc",
                "from": "2020-01-01",
                "until": "2020-01-02T00:00:00Z",
            },
            "badArgument",
        ),
        ({"verb": "ListRecords", "resumptionToken": "forged"}, "badResumptionToken"),
        ({"verb": "ListRecords", "metadataPrefix": "mods"}, "cannotDisseminateFormat"),
        (
            {
                "verb": "GetRecord",
                "metadataPrefix": "oai_dc",
                "identifier": f"oai:{RID}:999999",
            },
            "idDoesNotExist",
        ),
        (
            {"verb": "GetRecord", "metadataPrefix": "oai_dc", "identifier": "hdl:1765/1"},
            "idDoesNotExist",
        ),
        ({"verb": "ListMetadataFormats", "identifier": "oai:elsewhere:1"}, "idDoesNotExist"),
        (
            {"verb": "ListIdentifiers", "metadataPrefix": "oai_dc", "set": "type:nothing"},
            "noRecordsMatch",
        ),
    ],
)
def test_errors_carry_the_protocol_code(client, holdings, params, code):
    assert error_code(ask(client, **params)) == code


def test_repeated_argument_is_bad(client, holdings):
    response = client.get("/oai?verb=ListRecords&metadataPrefix=oai_dc&metadataPrefix=oai_dc")
    assert error_code(assert_valid(response.content)) == "badArgument"


def test_marc21_for_a_non_marc_record_cannot_be_disseminated(client, holdings):
    plain = holdings[1][1]
    doc = ask(
        client,
        verb="GetRecord",
        identifier=f"oai:{RID}:{plain.pk}",
        metadataPrefix="marc21",
    )
    assert error_code(doc) == "cannotDisseminateFormat"


def test_resumption_tokens_expire(holdings, monkeypatch):
    monkeypatch.setattr("shuxiang.catalog.oai.provider.PAGE_SIZE", 2)
    first = assert_valid(
        Provider(BASE).respond({"verb": ["ListIdentifiers"], "metadataPrefix": ["oai_dc"]})
    )
    token = first.find(f"{OAI}ListIdentifiers/{OAI}resumptionToken").text
    later = timezone.now() + tokens.TOKEN_LIFETIME + dt.timedelta(minutes=1)
    doc = assert_valid(
        Provider(BASE, now=later).respond({"verb": ["ListIdentifiers"], "resumptionToken": [token]})
    )
    assert error_code(doc) == "badResumptionToken"


def test_token_of_another_verb_is_refused(holdings, monkeypatch):
    monkeypatch.setattr("shuxiang.catalog.oai.provider.PAGE_SIZE", 2)
    first = assert_valid(
        Provider(BASE).respond({"verb": ["ListIdentifiers"], "metadataPrefix": ["oai_dc"]})
    )
    token = first.find(f"{OAI}ListIdentifiers/{OAI}resumptionToken").text
    doc = assert_valid(
        Provider(BASE).respond({"verb": ["ListRecords"], "resumptionToken": [token]})
    )
    assert error_code(doc) == "badResumptionToken"


def test_control_characters_in_harvested_text_do_not_break_the_xml(client, holdings):
    broken = record("Bad \x0b title \x01", description="line\x0cfeed")
    doc = ask(
        client,
        verb="GetRecord",
        identifier=f"oai:{RID}:{broken.pk}",
        metadataPrefix="oai_dc",
    )
    assert "Bad  title" in doc.findtext(".//{http://purl.org/dc/elements/1.1/}title")


def test_post_requests_are_answered_too(client, holdings):
    response = client.post("/oai", {"verb": "Identify"})
    assert_valid(response.content)
