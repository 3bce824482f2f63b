"""Broad queries on the server-mode backends (PostgreSQL, Groonga): exact facets over every
match, kept per index generation and shared by every web process, stale the moment the index
changes."""

from __future__ import annotations

import pytest
from django.db import connection

from shuxiang.catalog import services
from shuxiang.catalog.search import groonga_backend, postgres_backend, service, summaries
from shuxiang.catalog.tests.factories import record
from shuxiang.core.actors import SYSTEM


@pytest.fixture
def broad(engine, committed, monkeypatch):
    """Five library records; more than two matches counts as broad here (and more than one
    keeps Groonga's answer)."""
    if engine.name == "tantivy" or connection.vendor != "postgresql":
        pytest.skip("summaries belong to server mode (PostgreSQL)")
    monkeypatch.setattr(postgres_backend, "COUNT_LIMIT", 2)
    monkeypatch.setattr(groonga_backend, "COUNT_LIMIT", 2)
    monkeypatch.setattr(groonga_backend, "KEEP_FROM", 1)
    with committed():
        made = [
            record(f"图书馆史话 第{n}卷", type="book" if n < 3 else "video", date=str(1990 + n))
            for n in range(5)
        ]
    return made


def _types(page) -> dict[str, int]:
    return dict(page.facets["type"])


def _kept() -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {summaries.TABLE}")
        return cursor.fetchone()[0]


def test_a_broad_query_counts_its_facets_over_every_match(broad, engine):
    page = service.search(actor=None, q="图书馆")
    assert page.total_relation == "gte"  # more matches than counted: "10,000+"
    assert page.facets_exact
    assert _types(page) == {"book": 3, "video": 2}
    assert sum(n for _, n in page.facets["year"]) == 5


def test_the_summary_is_shared_and_answers_again_alike(broad, engine):
    first = service.search(actor=None, q="图书馆")
    assert _kept() >= 1  # PostgreSQL: the facets and the ranked window; Groonga: its answer
    if engine.name == "postgres":
        another_process = postgres_backend.PostgresBackend()
    else:
        another_process = groonga_backend.GroongaBackend(engine.client.url)
    again = another_process.search(first.query)
    assert dict(again.facets["type"]) == {"book": 3, "video": 2}
    assert [hit.record.pk for hit in service.search(actor=None, q="图书馆").hits] == [
        hit.record.pk for hit in first.hits
    ]


def test_a_change_to_the_index_makes_the_summary_stale(broad, committed):
    service.search(actor=None, q="图书馆")
    with committed():
        record("图书馆建筑", type="video", date="2001")
    assert _types(service.search(actor=None, q="图书馆")) == {"book": 3, "video": 3}
    with committed():
        services.delete_record(broad[0].pk, by=SYSTEM)
    assert _types(service.search(actor=None, q="图书馆")) == {"book": 2, "video": 3}


def test_filters_and_access_get_summaries_of_their_own(broad, committed):
    service.search(actor=None, q="图书馆")
    with committed():
        record("图书馆内部资料", type="book", access="staff")
    assert _types(service.search(actor=None, q="图书馆")) == {"book": 3, "video": 2}
    assert _types(service.search(actor=SYSTEM, q="图书馆")) == {"book": 4, "video": 2}
    filtered = service.search(actor=None, q="图书馆", filters={"type": ["video"]})
    assert _types(filtered) == {"video": 2}
    assert filtered.total_relation == "eq"


def test_only_the_most_recent_summaries_are_kept(broad, engine, monkeypatch):
    monkeypatch.setattr(summaries, "MAX_KEPT", 2)
    monkeypatch.setattr(summaries.random, "random", lambda: 0.0)  # trim at every store
    service.search(actor=None, q="图书馆")
    books = service.search(actor=None, q="图书馆", filters={"type": ["book"]})
    assert books.total_relation == "gte"
    assert _kept() == 2
    assert _types(service.search(actor=None, q="图书馆", filters={"type": ["book"]})) == {"book": 3}


def test_a_query_below_the_count_limit_keeps_exact_totals_in_its_summary(broad, monkeypatch):
    monkeypatch.setattr(postgres_backend, "COUNT_LIMIT", 10_000)
    monkeypatch.setattr(groonga_backend, "COUNT_LIMIT", 10_000)
    monkeypatch.setattr(postgres_backend, "KEEP_FROM", 2)
    first = service.search(actor=None, q="图书馆", page_size=2)
    assert _kept() >= 1
    again = service.search(actor=None, q="图书馆", page_size=2)
    for page in (first, again):
        assert (page.total, page.total_relation, page.pages) == (5, "eq", 3)
        assert _types(page) == {"book": 3, "video": 2}


def test_a_kept_answer_is_read_back_without_asking_groonga(broad, engine, monkeypatch):
    if engine.name != "groonga":
        pytest.skip("Groonga's kept answers")
    monkeypatch.setattr(groonga_backend, "COUNT_LIMIT", 10_000)  # exact totals kept too
    first = service.search(actor=None, q="图书馆")
    monkeypatch.setattr(engine, "_search", lambda query: pytest.fail("asked Groonga again"))
    again = service.search(actor=None, q="图书馆")
    assert [hit.record.pk for hit in again.hits] == [hit.record.pk for hit in first.hits]
    assert (again.total, _types(again)) == (5, {"book": 3, "video": 2})


def test_a_groonga_change_outside_a_commit_makes_kept_answers_stale(broad, engine, monkeypatch):
    if engine.name != "groonga":
        pytest.skip("Groonga's kept answers")
    service.search(actor=None, q="图书馆")
    engine.remove([broad[4].pk])  # straight to the index, as a job does
    assert _types(service.search(actor=None, q="图书馆")) == {"book": 3, "video": 1}
