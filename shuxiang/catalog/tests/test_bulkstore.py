"""Storing harvested pages in bulk: a page of new records, and a page mixing new and changed
records (one upsert a page; on PostgreSQL through the staging table)."""

from __future__ import annotations

import pytest
from django.db import transaction

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
