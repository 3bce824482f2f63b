"""The harvester against a foreign OAI-PMH server (pyoai), real DSpace responses, and itself."""

from __future__ import annotations

import cgi
import datetime as dt
import urllib.parse
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from oaipmh import common, error, metadata, server

from shuxiang.catalog.models import Record, Source
from shuxiang.catalog.oai import harvester
from shuxiang.catalog.oai.mapping import header_of
from shuxiang.catalog.tests.servers import serve, xml_app

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "data" / "oai-fixtures"
NOW = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


class Repository:
    """A tiny IBatchingOAI implementation served by pyoai's own server classes."""

    def __init__(self, count: int):
        self.items = [self._item(n, NOW - dt.timedelta(days=30 - n)) for n in range(count)]

    @staticmethod
    def _item(n: int, when: dt.datetime):
        header = common.Header(None, f"oai:foreign.example.org:{n}", when, ["books"], False)
        fields = {
            "title": [f"Foreign record {n}"],
            "creator": [f"Author {n}"],
            "date": [str(1900 + n)],
            "subject": ["history"],
            "language": ["eng"],
            "identifier": [],
        }
        return header, common.Metadata(None, fields), None

    def identify(self):
        return common.Identify(
            "Foreign",
            "http://foreign.example.org/oai",
            "2.0",
            ["a@foreign.example.org"],
            NOW - dt.timedelta(days=60),
            "persistent",
            "YYYY-MM-DDThh:mm:ssZ",
            ["identity"],
            toolkit_description=False,
        )

    def listMetadataFormats(self, identifier=None):  # noqa: N802 - pyoai's interface
        return [
            (
                "oai_dc",
                "http://www.openarchives.org/OAI/2.0/oai_dc.xsd",
                "http://www.openarchives.org/OAI/2.0/oai_dc/",
            )
        ]

    def _select(self, from_, until):
        return [
            i
            for i in self.items
            if (not from_ or i[0].datestamp() >= from_) and (not until or i[0].datestamp() <= until)
        ]

    def listRecords(
        self, metadataPrefix, set=None, from_=None, until=None, cursor=0, batch_size=10
    ):  # noqa: N802,N803,A002
        found = self._select(from_, until)
        if not found:
            raise error.NoRecordsMatchError("nothing")
        return found[cursor : cursor + batch_size]

    def listIdentifiers(
        self, metadataPrefix, set=None, from_=None, until=None, cursor=0, batch_size=10
    ):  # noqa: N802,N803,A002
        return [
            h
            for h, _m, _a in self.listRecords(metadataPrefix, set, from_, until, cursor, batch_size)
        ]

    def listSets(self, cursor=0, batch_size=10):  # noqa: N802
        raise error.NoSetHierarchyError("no sets")

    def getRecord(self, metadataPrefix, identifier):  # noqa: N802,N803
        raise error.IdDoesNotExistError(identifier)


@pytest.fixture
def foreign(monkeypatch):
    """pyoai's BatchingServer on loopback (3 records a page); yields (url, repository, log)."""
    monkeypatch.setattr(cgi, "parse_qs", urllib.parse.parse_qs, raising=False)  # pyoai predates 3.8
    registry = metadata.MetadataRegistry()
    registry.registerWriter("oai_dc", server.oai_dc_writer)
    repository = Repository(10)
    pyoai = server.BatchingServer(repository, registry, resumption_batch_size=3)
    log: list = []
    app = xml_app(lambda params: (200, pyoai.handleRequest(params)), log)
    with serve(app) as url:
        yield url, repository, log


def oai_source(url: str, **fields) -> Source:
    return Source.objects.create(
        key=fields.pop("key", "foreign"), name="Foreign", kind="oai", base_url=url, **fields
    )


def test_harvests_every_page_of_a_foreign_server(foreign):
    url, _repository, log = foreign
    report = harvester.harvest(oai_source(url), backoff=0)
    assert report.stored == 10 and report.pages == 4 and report.failed == 0
    record = Record.objects.get(local_id="oai:foreign.example.org:7")
    assert (record.title, record.creators, record.year, record.language) == (
        "Foreign record 7",
        ["Author 7"],
        1907,
        "en",
    )
    assert "<record" in record.payload and record.harvested_at is not None
    assert sum("resumptionToken" in p for p in log) == 3


def test_each_page_commits_without_waiting_for_the_disk_on_postgresql(foreign):
    if connection.vendor != "postgresql":
        pytest.skip("asynchronous commit is PostgreSQL's")
    url, _repository, _log = foreign
    with CaptureQueriesContext(connection) as queries:
        report = harvester.harvest(oai_source(url), backoff=0)
    asked = [q["sql"] for q in queries.captured_queries if "synchronous_commit" in q["sql"]]
    assert report.pages == 4 and asked == ["SET LOCAL synchronous_commit TO OFF"] * 4


def test_second_harvest_asks_only_for_changes_since_the_first(foreign):
    url, repository, log = foreign
    source = oai_source(url)
    harvester.harvest(source, backoff=0)
    source.refresh_from_db()
    assert source.last_datestamp and not source.resumption_token
    since = source.last_datestamp
    repository.items.append(
        Repository._item(99, dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(minutes=5))
    )
    report = harvester.harvest(source, backoff=0)
    assert report.stored == 1 and log[-1]["from"] == since
    assert Record.objects.count() == 11


def fixture_app(pages: dict[str, bytes]):
    return xml_app(lambda params: (200, pages[params.get("resumptionToken", "first")]))


def test_harvests_recorded_dspace_responses():
    body = (FIXTURES / "dspace-eur_ListRecords_2003.xml").read_bytes()
    with serve(fixture_app({"first": body})) as url:
        report = harvester.harvest(oai_source(url), backoff=0)
    assert report.stored > 10 and report.failed == 0
    record = Record.objects.get(local_id="hdl:1765/308")
    assert record.creators and record.year == 2003 and record.isbn == "9789058920362"


def test_deleted_header_in_recorded_response_is_read_as_deleted():
    from lxml import etree

    doc = etree.parse(str(FIXTURES / "dspace-eur_GetRecord_deleted_2004.xml"))
    element = doc.find(".//{http://www.openarchives.org/OAI/2.0/}record")
    identifier, _stamp, deleted, _sets = header_of(element)
    assert identifier == "hdl:1765/1160" and deleted


def _page(records: str, token: str = "") -> bytes:
    tail = f"<resumptionToken>{token}</resumptionToken>" if token else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?><OAI-PMH xmlns="http://www.openarchives.org/OAI/2.0/">'
        "<responseDate>2024-01-01T00:00:00Z</responseDate><request>x</request>"
        f"<ListRecords>{records}{tail}</ListRecords></OAI-PMH>"
    ).encode()


def _dc(identifier: str, inner: str, status: str = "") -> str:
    return (
        f"<record><header{status}><identifier>{identifier}</identifier><datestamp>2024-01-01</datestamp></header>"
        '<metadata><oai_dc:dc xmlns:oai_dc="http://www.openarchives.org/OAI/2.0/oai_dc/" '
        f'xmlns:dc="http://purl.org/dc/elements/1.1/">{inner}</oai_dc:dc></metadata></record>'
    )


def test_sloppy_records_are_logged_and_the_harvest_goes_on(caplog):
    good = _dc("a", "<dc:title>Good</dc:title><dc:date>not a date</dc:date>")
    untitled = _dc("b", "<dc:creator>Nobody</dc:creator>")
    headless = "<record><metadata/></record>"
    latin1 = (
        _dc("c", "<dc:title>Caf\u00e9</dc:title>")
        .encode("utf-8")
        .replace("é".encode(), b"\xe9")
        .decode("latin-1")
    )
    first = _page(good + untitled + headless, token="next")
    second = _page("").replace(b"<ListRecords>", b"<ListRecords>" + latin1.encode("latin-1"))
    with serve(fixture_app({"first": first, "next": second})) as url:
        report = harvester.harvest(oai_source(url), backoff=0)
    assert report.stored == 2 and report.failed == 2
    assert Record.objects.get(local_id="a").year is None
    latin = Record.objects.get(local_id="c")
    assert latin.title == "Caf\ufffd" and latin.encoding == "utf-8+replaced"
    assert "record 2" in caplog.text and "title" in caplog.text


def test_a_huge_page_is_harvested_whole():
    records = "".join(_dc(f"id{n}", f"<dc:title>Title {n}</dc:title>") for n in range(2500))
    with serve(fixture_app({"first": _page(records)})) as url:
        report = harvester.harvest(oai_source(url), backoff=0)
    assert report.stored == 2500 and Record.objects.count() == 2500


def test_deleted_records_upstream_become_tombstones():
    first = _page(_dc("gone", "<dc:title>Soon gone</dc:title>"))
    with serve(fixture_app({"first": first})) as url:
        source = oai_source(url)
        harvester.harvest(source, backoff=0)
    tombstone = _page(
        '<record><header status="deleted"><identifier>gone</identifier>'
        "<datestamp>2024-02-01</datestamp></header></record>"
    )
    with serve(fixture_app({"first": tombstone})) as url:
        Source.objects.filter(pk=source.pk).update(base_url=url)
        source.refresh_from_db()
        report = harvester.harvest(source, backoff=0)
    assert report.deleted == 1 and Record.objects.get(local_id="gone").deleted
