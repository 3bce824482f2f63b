"""The warehouse: records keep source and payload, cluster into works, tombstone deletions."""

from __future__ import annotations

import pytest

from shuxiang.accounts.tests.factories import admin_of
from shuxiang.catalog import normalize, services
from shuxiang.catalog.models import Record, Work
from shuxiang.catalog.tests.factories import record, source
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import PermissionDenied, ValidationFailed
from shuxiang.network.tests.factories import small_network

pytestmark = pytest.mark.django_db


def test_isbn10_and_isbn13_normalize_to_the_same_isbn13():
    assert normalize.isbn13("7-02-002009-7") == "9787020020096"
    assert normalize.isbn13("978-7-02-002009-6 (pbk.)") == "9787020020096"
    assert normalize.isbn13("7-02-002009-6") == ""


def test_years_come_out_of_free_text_dates():
    assert normalize.year_of("c1998.") == 1998
    assert normalize.year_of("2020-05-01T00:00:00Z") == 2020
    assert normalize.year_of("n.d.") is None


def test_same_isbn_from_two_sources_is_one_work_with_two_holdings():
    a = record("红楼梦", src=source("a"), identifiers=["ISBN 7-02-002009-7"])
    b = record("紅樓夢（校注本）", src=source("b"), isbn="9787020020096")
    assert a.work_id == b.work_id
    assert Work.objects.get(pk=a.work_id).records.count() == 2


def test_without_isbn_folded_title_creator_and_year_cluster_records():
    a = record("圖書館學概論", src=source("a"), creators=["吳慰慈"], date="1985")
    b = record("图书馆学概论", src=source("b"), creators=["吴慰慈"], date="1985年")
    c = record("图书馆学概论", src=source("c"), creators=["吴慰慈"], date="2002")
    assert a.work_id == b.work_id != c.work_id


def test_changing_a_record_moves_it_to_its_new_work(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = record("Old title", local_id="x1", date="2000")
        old_work = first.work_id
        moved = record("New title", local_id="x1", date="2000")
    assert moved.pk == first.pk and moved.work_id != old_work
    assert not Work.objects.filter(pk=old_work).exists()


def test_record_keeps_source_payload_and_bumps_datestamp():
    first = record("A", local_id="keep")
    second = services.upsert_record(
        source=first.source,
        local_id="keep",
        fmt="oai_dc",
        payload="<dc/>",
        fields={"title": "B"},
        by=SYSTEM,
    )
    assert second.pk == first.pk and second.payload == "<dc/>" and second.format == "oai_dc"
    assert second.datestamp >= first.datestamp


def test_deleting_keeps_a_tombstone():
    kept = record("To delete")
    services.delete_record(kept.pk, by=SYSTEM)
    tombstone = Record.objects.get(pk=kept.pk)
    assert tombstone.deleted and tombstone.title == "To delete"


def test_record_without_title_or_with_unknown_policy_is_refused_with_fields():
    with pytest.raises(ValidationFailed) as caught:
        record("", access="secret")
    assert {e.field for e in caught.value.errors} == {"title", "access_policy"}
    assert not Record.objects.exists()


def test_sets_follow_library_path_type_and_collection():
    net = small_network()
    made = record("地方志", library=net["zhuji"], type="book", collection="Local history")
    assert made.sets[:5] == [
        "library",
        "library:NLC",
        "library:NLC:330000",
        "library:NLC:330000:330600",
        "library:NLC:330000:330600:330681",
    ]
    assert "type:book" in made.sets and any(s.startswith("collection:") for s in made.sets)


def test_local_resources_become_records_through_the_seam():
    net = small_network()
    made = services.upsert_local_record(
        source_key="sx",
        library=net["sx"],
        payload={"id": "res-1", "title": "绍兴戏曲", "type": "video", "creators": ["越剧团"]},
        access_policy="library",
    )
    assert made.source.kind == "local" and made.library == net["sx"]
    assert made.access_policy == "library" and made.format == "native"
    withdrawn = services.upsert_local_record(
        source_key="sx",
        library=net["sx"],
        payload={"id": "res-1"},
        access_policy="library",
        deleted=True,
    )
    assert withdrawn.pk == made.pk and withdrawn.deleted and withdrawn.title == "绍兴戏曲"


def test_admins_change_only_records_of_their_subtree():
    net = small_network()
    gansu_admin = admin_of(net["gs"])
    with pytest.raises(PermissionDenied):
        services.upsert_local_record(
            source_key="sx",
            library=net["sx"],
            payload={"id": "r", "title": "t"},
            access_policy="public",
            by=gansu_admin,
        )
    made = services.upsert_local_record(
        source_key="lz",
        library=net["lz"],
        payload={"id": "r", "title": "t"},
        access_policy="public",
        by=gansu_admin,
    )
    assert made.library == net["lz"]


def test_demo_catalog_loads_the_classics_once():
    from shuxiang.catalog.demo import load_demo_records

    small_network()
    first = load_demo_records()
    assert first > 900 and load_demo_records() == 0
    assert Record.objects.filter(title="靜夜思", creators=["李白"]).exists()


def test_overlong_harvested_values_are_cut_to_fit_instead_of_failing():
    made = record("T", date="1999 " * 40, publisher="P" * 900, collection="C" * 300)
    stored = Record.objects.get(pk=made.pk)
    assert (len(stored.date), len(stored.publisher), len(stored.collection)) == (64, 500, 200)
    assert stored.year == 1999
