"""The harvester against a fault-injecting server: nothing lost, nothing twice, no false progress.

Every fault either heals on retry (the harvest completes with every record) or fails the
harvest with the source's datestamp unchanged and its token at the last good page; the next
run resumes there and completes.
"""

from __future__ import annotations

import pytest

from shuxiang.catalog.models import Record, Source
from shuxiang.catalog.oai import harvester
from shuxiang.catalog.tests.faults import RESPONSE_DATE, FaultyRepository
from shuxiang.catalog.tests.servers import serve

pytestmark = pytest.mark.django_db
TRANSIENT = ["truncate", "drop", "500", "503", "html"]


def source_for(url: str, **fields) -> Source:
    return Source.objects.create(key="faulty", name="Faulty", kind="oai", base_url=url, **fields)


def assert_complete(repository: FaultyRepository) -> None:
    """Records stored = records sent, and none twice."""
    ids = list(Record.objects.values_list("local_id", flat=True))
    assert len(ids) == len(set(ids)) == repository.count
    assert set(ids) == {f"oai:faulty.example.org:{n}" for n in range(repository.count)}


@pytest.mark.parametrize("kind", TRANSIENT)
def test_a_fault_that_heals_is_retried_and_nothing_is_lost(kind):
    repository = FaultyRepository(count=30, page_size=10)
    repository.once[1] = kind
    with serve(repository) as url:
        source = source_for(url)
        report = harvester.harvest(source, backoff=0)
    assert report.stored == 30 and report.pages == 3
    assert len(repository.requests_for(1)) == 2
    assert_complete(repository)
    source.refresh_from_db()
    assert source.last_datestamp == RESPONSE_DATE and not source.resumption_token


def test_retry_after_of_a_503_is_honoured():
    repository = FaultyRepository(count=20, page_size=10, retry_after="1")
    repository.once[1] = "503"
    with serve(repository) as url:
        harvester.harvest(source_for(url), backoff=0)
    first, second = repository.requests_for(1)
    assert second - first >= 0.95


@pytest.mark.parametrize("retry_after", ["86400", "Wed, 21 Oct 2099 07:28:00 GMT"])
def test_retry_after_is_capped(monkeypatch, retry_after):
    monkeypatch.setenv("SHUXIANG_HARVEST_RETRY_AFTER_MAX", "1")
    repository = FaultyRepository(count=20, page_size=10, retry_after=retry_after)
    repository.once[1] = "503"
    with serve(repository) as url:
        report = harvester.harvest(source_for(url), backoff=0)
    first, second = repository.requests_for(1)
    assert 0.95 <= second - first < 10 and report.stored == 20


@pytest.mark.parametrize("kind", TRANSIENT)
def test_a_lasting_fault_fails_the_harvest_without_advancing_then_it_resumes(kind, monkeypatch):
    monkeypatch.setattr(harvester, "RETRIES", 2)
    repository = FaultyRepository(count=100, page_size=10, retry_after="0")
    repository.always[4] = kind
    with serve(repository) as url:
        source = source_for(url, last_datestamp="2026-01-01T00:00:00Z")
        with pytest.raises(harvester.HarvestFailed):
            harvester.harvest(source, backoff=0)
        source.refresh_from_db()
        assert source.last_datestamp == "2026-01-01T00:00:00Z"
        assert source.resumption_token == "p4" and source.last_error
        assert Record.objects.count() == 40
        del repository.always[4]
        repository.log.clear()
        report = harvester.harvest(source, backoff=0)
    assert repository.log[0][2] == {"verb": "ListRecords", "resumptionToken": "p4"}
    assert report.stored == 60
    assert_complete(repository)
    source.refresh_from_db()
    assert source.last_datestamp == RESPONSE_DATE and not source.resumption_token


def test_a_truncated_page_is_never_stored_as_the_end_of_the_list(monkeypatch):
    """The old harvester recovered the broken page, dropped its token and called it complete."""
    monkeypatch.setattr(harvester, "RETRIES", 2)
    repository = FaultyRepository(count=100, page_size=10)
    repository.always[4] = "truncate"
    with serve(repository) as url:
        source = source_for(url)
        with pytest.raises(harvester.HarvestFailed, match="not complete XML"):
            harvester.harvest(source, backoff=0)
    source.refresh_from_db()
    assert source.last_datestamp == "" and source.last_harvest_at is None
    assert Record.objects.count() == 40


def test_an_html_login_page_is_not_an_empty_harvest(monkeypatch):
    monkeypatch.setattr(harvester, "RETRIES", 2)
    repository = FaultyRepository(count=10, page_size=10)
    repository.always[0] = "html"
    with serve(repository) as url:
        source = source_for(url)
        with pytest.raises(harvester.HarvestFailed, match="<html>, not OAI-PMH"):
            harvester.harvest(source, backoff=0)
    source.refresh_from_db()
    assert source.last_datestamp == "" and source.last_harvest_at is None
    assert "not OAI-PMH" in source.last_error


def test_bytes_valid_in_no_encoding_are_replaced_and_the_record_says_so():
    repository = FaultyRepository(count=20, page_size=10)
    repository.always[1] = "invalid"
    with serve(repository) as url:
        report = harvester.harvest(source_for(url), backoff=0)
    assert report.stored == 20 and report.encodings == {"utf-8": 10, "utf-8+replaced": 10}
    damaged = Record.objects.get(local_id="oai:faulty.example.org:10")
    assert damaged.encoding == "utf-8+replaced" and "\ufffd" in damaged.title
    intact = Record.objects.get(local_id="oai:faulty.example.org:11")
    assert intact.title == "地方志第11卷"
    assert_complete(repository)
