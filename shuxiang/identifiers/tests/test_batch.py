"""Batch import: good rows stored, each bad row reported, re-runs add nothing."""

from __future__ import annotations

import io
import json

from shuxiang.accounts.tests.factories import admin_of
from shuxiang.identifiers import batch, names
from shuxiang.identifiers.models import Identifier, ResolveEntry
from shuxiang.identifiers.tests.factories import fingerprint, registered

CSV = """location,title,creator,date,rights,fingerprint,suffix
https://sx.example/1,鲁迅手稿,鲁迅,1921,本馆所有,{f1},
https://sx.example/2,越中金石记,杜春生,1830,本馆所有,,YZJS-1830
ftp://bad.example/3,坏地址,,,本馆所有,,
https://sx.example/4,,无题名,,本馆所有,,
https://sx.example/5,坏后缀,,,本馆所有,,bad suffix!
https://sx.example/6,没有权利声明,,,,,
https://sx.example/7,兰亭集序,王羲之,353,本馆所有,,
"""


def _csv():
    return io.StringIO(CSV.format(f1=fingerprint("luxun")))


def test_mixed_csv_stores_every_good_row_and_reports_each_bad_one(net):
    report = batch.import_rows(
        batch.read_rows(_csv(), "csv"), library=net["sx"], by=admin_of(net["sx"]), progress=False
    )
    assert report.created == 3
    assert [(f.row, f.field) for f in report.failures] == [
        (3, "location"),
        (4, "metadata.title"),
        (5, "suffix"),
        (6, "rights"),
    ]
    assert Identifier.objects.filter(status="active").count() == 3
    assert ResolveEntry.objects.count() == 3
    assert Identifier.objects.filter(name="sx.330600/yzjs-1830").exists()
    minted = Identifier.objects.get(location="https://sx.example/1")
    assert names.has_valid_check(minted.name)


def test_rerunning_the_same_import_adds_nothing(net):
    admin = admin_of(net["sx"])
    batch.import_rows(batch.read_rows(_csv(), "csv"), library=net["sx"], by=admin, progress=False)
    names_before = set(Identifier.objects.values_list("name", flat=True))
    again = batch.import_rows(
        batch.read_rows(_csv(), "csv"), library=net["sx"], by=admin, progress=False, batch_size=2
    )
    assert again.created == 0
    assert again.existing == 3
    assert set(Identifier.objects.values_list("name", flat=True)) == names_before


def test_json_array_and_json_lines_are_read_as_a_stream(net):
    rows = [
        {"url": f"https://gs.example/{i}", "title": f"敦煌 {i}", "rights": "本馆所有"}
        for i in range(5)
    ]
    array = io.StringIO(json.dumps(rows, ensure_ascii=False))
    lines = io.StringIO("\n".join(json.dumps(r) for r in rows))
    assert list(batch.read_rows(array, "json")) == rows
    assert list(batch._json_objects(lines, chunk=7)) == rows


def test_fingerprint_held_by_another_library_is_reported_with_the_existing_name(net):
    held = registered(net["hz"], fingerprint=fingerprint("luxun"))
    report = batch.import_rows(
        batch.read_rows(_csv(), "csv"), library=net["sx"], by=admin_of(net["sx"]), progress=False
    )
    failure = next(f for f in report.failures if f.row == 1)
    assert failure.field == "fingerprint" and held.name in failure.reason


def test_metadata_duplicates_are_imported_but_flagged(net):
    original = registered(
        net["hz"], metadata={"title": "蘭亭集序", "creator": "王羲之", "date": "353"}
    )
    batch.import_rows(
        batch.read_rows(_csv(), "csv"), library=net["sx"], by=admin_of(net["sx"]), progress=False
    )
    flagged = Identifier.objects.get(location="https://sx.example/7")
    assert flagged.similar_to_id == original.pk


def test_rows_for_a_library_outside_the_importers_scope_fail_alone(net):
    rows = [
        {"location": "https://a.example/1", "title": "甲", "rights": "r"},
        {"location": "https://a.example/2", "title": "乙", "rights": "r", "library": "620100"},
    ]
    report = batch.import_rows(rows, library=net["sx"], by=admin_of(net["zj"]), progress=False)
    assert report.created == 1
    assert report.failures[0].row == 2


def test_the_same_object_twice_in_one_file_for_two_libraries_points_at_the_first_row(net):
    rows = [
        {"location": "https://a.example/1", "title": "甲", "rights": "r", "fingerprint": "b" * 64},
        {
            "location": "https://a.example/2",
            "title": "甲",
            "rights": "r",
            "fingerprint": "b" * 64,
            "library": "330100",
        },
    ]
    report = batch.import_rows(rows, library=net["sx"], by=admin_of(net["zj"]), progress=False)
    assert report.created == 1
    assert report.failures[0].row == 2 and "row 1" in report.failures[0].reason
