"""The harvester against what real repository families send: Zenodo's HTTP 422 answers with an
OAI body (recorded), and a GB18030 provider (pyoai's server re-encoding its answers).

The DSpace recordings are exercised in test_harvester.py.
"""

from __future__ import annotations

import cgi
import re
import urllib.parse
from pathlib import Path

import pytest
from oaipmh import common, metadata, server

from shuxiang.catalog.models import Record, Source
from shuxiang.catalog.oai import harvester
from shuxiang.catalog.tests.servers import replay_app, serve
from shuxiang.catalog.tests.test_harvester import NOW, Repository

pytestmark = pytest.mark.django_db
FIXTURES = Path(__file__).parent / "data" / "oai-fixtures"
ZENODO_HEADERS = [("Content-Type", "text/xml; charset=utf-8"), ("Retry-After", "48")]


def zenodo(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def oai_source(url: str, **fields) -> Source:
    return Source.objects.create(key="remote", name="Remote", kind="oai", base_url=url, **fields)


def test_zenodo_422_no_records_match_is_a_successful_empty_harvest():
    log: list = []
    body = zenodo("zenodo_ListRecords_noRecordsMatch_422_2026.xml")
    with serve(replay_app(lambda params: (422, ZENODO_HEADERS, body), log)) as url:
        source = oai_source(url, last_datestamp="2026-08-01T00:00:00Z")
        report = harvester.harvest(source, backoff=0)
    source.refresh_from_db()
    assert report.stored == 0 and len(log) == 1
    assert source.last_datestamp == "2026-08-13T18:19:00Z" and source.last_error == ""
    assert source.last_harvest_at is not None


def test_zenodo_422_bad_resumption_token_restarts_the_list_from_the_last_datestamp():
    log: list = []
    page = zenodo("zenodo_ListRecords_2026.xml")
    last_page = re.sub(rb"(<resumptionToken[^>]*>)[^<]*", rb"\1", page)
    refused = zenodo("zenodo_badResumptionToken_422_2026.xml")

    def answer(params):
        if "resumptionToken" in params:
            return 422, ZENODO_HEADERS, refused
        return 200, ZENODO_HEADERS, (page if len(log) == 1 else last_page)

    with serve(replay_app(answer, log)) as url:
        source = oai_source(url, last_datestamp="2026-04-01T00:00:00Z")
        report = harvester.harvest(source, backoff=0)
    assert [("resumptionToken" in p, p.get("from")) for p in log] == [
        (False, "2026-04-01T00:00:00Z"),
        (True, None),
        (False, "2026-04-01T00:00:00Z"),
    ]
    ids = list(Record.objects.values_list("local_id", flat=True))
    assert report.stored + report.failed == 100 and len(ids) == len(set(ids)) == 50
    source.refresh_from_db()
    assert source.last_datestamp == "2026-08-13T18:18:48Z"


def test_a_token_refused_again_after_the_restart_fails_without_advancing():
    page = zenodo("zenodo_ListRecords_2026.xml")
    refused = zenodo("zenodo_badResumptionToken_422_2026.xml")

    def answer(params):
        return (422, ZENODO_HEADERS, refused) if "resumptionToken" in params else (200, [], page)

    with serve(replay_app(answer)) as url:
        source = oai_source(url, last_datestamp="2026-04-01T00:00:00Z")
        with pytest.raises(harvester.HarvestFailed):
            harvester.harvest(source, backoff=0)
    source.refresh_from_db()
    assert source.last_datestamp == "2026-04-01T00:00:00Z" and "badResumptionToken" in (
        source.last_error
    )


TITLES = [f"{name}志·卷{n}" for n, name in enumerate("绍兴杭州宁波温州嘉兴湖州金华衢州舟山台州")]
RARE = "𠮷"  # in GB18030 (four bytes), not in GBK


class ChineseRepository(Repository):
    def __init__(self):
        self.items = []
        for n, title in enumerate(TITLES + [t + RARE for t in TITLES]):
            header, _meta, _about = self._item(n, NOW)
            fields = {"title": [title], "creator": ["佚名"], "language": ["chi"]}
            self.items.append((header, common.Metadata(None, fields), None))


def gb18030_provider(declared: str, charset: str):
    """pyoai's server answering in GB18030 bytes, declaring ``declared`` (and ``charset``)."""
    registry = metadata.MetadataRegistry()
    registry.registerWriter("oai_dc", server.oai_dc_writer)
    pyoai = server.BatchingServer(ChineseRepository(), registry, resumption_batch_size=7)

    def answer(params):
        text = pyoai.handleRequest(params).decode("utf-8")
        text = re.sub(r"encoding=['\"]UTF-8['\"]", f'encoding="{declared}"', text, count=1)
        return 200, [("Content-Type", f"text/xml; charset={charset}")], text.encode("gb18030")

    return replay_app(answer)


@pytest.mark.parametrize(
    ("declared", "charset", "used"),
    [
        ("GB18030", "GB18030", {"gb18030"}),
        ("UTF-8", "utf-8", {"gb18030"}),
        ("GBK", "gbk", {"gb18030"}),
        ("GB2312", "iso-8859-1", {"gb18030"}),
    ],
)
def test_a_gb18030_provider_is_read_whatever_it_declares(monkeypatch, declared, charset, used):
    """GBK and GB2312 labels read as GB18030 (their superset); a mislabelled page too."""
    monkeypatch.setattr(cgi, "parse_qs", urllib.parse.parse_qs, raising=False)
    with serve(gb18030_provider(declared, charset)) as url:
        report = harvester.harvest(oai_source(url), backoff=0)
    assert report.stored == 2 * len(TITLES) and report.failed == 0
    titles = sorted(Record.objects.values_list("title", flat=True))
    assert titles == sorted(TITLES + [t + RARE for t in TITLES])
    assert set(Record.objects.values_list("encoding", flat=True)) == used
    assert not Record.objects.filter(title__contains=RARE).exclude(encoding="gb18030").exists()
