"""Storing harvested pages in bulk: a page of new records, and a page mixing new and changed
records (one upsert a page; on PostgreSQL through the staging table)."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from shuxiang.catalog import bulkstore
from shuxiang.catalog.models import Record
from shuxiang.catalog.tests import factories

pytestmark = pytest.mark.django_db


def incoming(local_id: str, title: str) -> bulkstore.Incoming:
    return bulkstore.Incoming(local_id=local_id, fields={"title": title}, fmt="native")


def store(source, items: list[bulkstore.Incoming]) -> bulkstore.PageResult:
    with transaction.atomic():
        return bulkstore.store_page(source, items)


def test_a_page_of_new_records_is_stored_once_each_with_its_own_id():
    source = factories.source("page")
    result = store(source, [incoming(f"n{i}", f"新书 {i}") for i in range(250)])
    assert result.stored == 250 and not result.problems
    rows = Record.objects.filter(source=source)
    assert rows.count() == 250 and len(set(rows.values_list("id", flat=True))) == 250
    assert rows.get(local_id="n7").title == "新书 7"


def test_a_page_mixing_new_and_changed_records_updates_in_place_and_adds_the_rest():
    source = factories.source("mixed")
    store(source, [incoming("a", "旧题名 A"), incoming("b", "旧题名 B")])
    ids = dict(Record.objects.filter(source=source).values_list("local_id", "id"))
    result = store(source, [incoming("b", "新题名 B"), incoming("c", "题名 C")])
    assert result.stored == 2
    after = {r.local_id: r for r in Record.objects.filter(source=source)}
    assert sorted(after) == ["a", "b", "c"]
    assert after["b"].id == ids["b"] and after["b"].title == "新题名 B"
    assert after["a"].title == "旧题名 A" and after["c"].title == "题名 C"
    assert after["c"].id not in ids.values()


def test_names_with_quotes_backslashes_and_line_breaks_are_stored_as_given():
    source = factories.source("quoting")
    creators = ['王"小"明', "C:\\藏书\\目录", "第一行\n第二行", "Ab\u00e9\u0301"]
    item = bulkstore.Incoming(
        local_id="q1",
        fields={"title": "引号", "creators": creators, "subjects": ["\t制表符"]},
        fmt="native",
    )
    store(source, [item])
    stored = Record.objects.get(source=source, local_id="q1")
    assert stored.creators == creators and stored.subjects == ["制表符"]


@pytest.mark.django_db(transaction=True)  # the page's own transaction, not the test's
def test_a_harvested_page_commits_without_waiting_for_the_disk():
    """PostgreSQL's asynchronous commit, for the page's transaction only: a server crash can
    lose a page together with its resumption token, which is then simply harvested again."""
    if connection.vendor != "postgresql":
        pytest.skip("asynchronous commit is PostgreSQL's")

    def setting() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            return cursor.fetchone()[0]

    with transaction.atomic():
        bulkstore.commit_without_waiting()
        assert setting() == "off"
    assert setting() == "on"
