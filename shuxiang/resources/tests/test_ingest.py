"""Batch import: streaming, per-row report, resumable after a kill, idempotent on re-run."""

from __future__ import annotations

import csv
import json

import pytest

from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import PermissionDenied
from shuxiang.resources.ingest import import_folder
from shuxiang.resources.models import ImportRow, Resource
from shuxiang.resources.tests.helpers import png_bytes

COLORS = ["red", "green", "blue", "yellow", "purple", "orange"]


def write_folder(tmp_path, rows=None):
    folder = tmp_path / "incoming"
    (folder / "photos").mkdir(parents=True)
    for index, color in enumerate(COLORS):
        (folder / "photos" / f"{index}.png").write_bytes(png_bytes(color))
    manifest = folder / "manifest.csv"
    rows = rows or [
        {"file": f"photos/{i}.png", "type": "image", "subtype": "old_photograph",
         "title": f"老照片{i}", "extra.place": "绍兴", "titles.en": f"Photo {i}"}
        for i in range(len(COLORS))
    ]  # fmt: skip
    fields = sorted({key for row in rows for key in row})
    with open(manifest, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields)
        writer.writeheader()
        writer.writerows(rows)
    return folder, manifest


def test_import_stores_every_row_with_metadata_and_checksums(tmp_path, sx_collection):
    folder, manifest = write_folder(tmp_path)
    report = import_folder(folder, manifest, collection=sx_collection, by=SYSTEM)
    assert report.counts == {"stored": 6}
    resource = Resource.objects.get(title="老照片2")
    assert resource.extra == {"place": "绍兴"} and resource.titles == {"en": "Photo 2"}
    assert len(resource.fingerprint) == 64
    assert report.batch.finished


def test_bad_rows_are_reported_with_field_and_reason_and_good_rows_stored(tmp_path, sx_collection):
    rows = [
        {"file": "photos/0.png", "type": "image", "subtype": "old_photograph", "title": "好"},
        {"file": "photos/1.png", "type": "image", "subtype": "", "title": "缺子类型"},
        {"file": "photos/missing.png", "type": "image", "subtype": "old_photograph", "title": "x"},
        {"file": "../../etc/passwd", "type": "image", "subtype": "old_photograph", "title": "y"},
        {"file": "photos/2.png", "type": "audio", "subtype": "recitation", "title": "错类型"},
        {"file": "photos/3.png", "type": "image", "subtype": "old_photograph", "title": "也好"},
    ]
    folder, manifest = write_folder(tmp_path, rows)
    report = import_folder(folder, manifest, collection=sx_collection, by=SYSTEM)
    assert report.counts == {"stored": 2, "failed": 4}
    failed = {
        row.number: [e["field"] for e in row.errors]
        for row in report.batch.rows.filter(outcome=ImportRow.Outcome.FAILED)
    }
    assert failed == {2: ["subtype"], 3: ["file.0"], 4: ["file.0"], 5: ["files.0"]}
    assert set(Resource.objects.values_list("title", flat=True)) == {"好", "也好"}


class Killed(BaseException):
    """Stands for the process being killed after a row was committed."""


def test_import_killed_midway_resumes_and_finishes_without_duplicates(tmp_path, sx_collection):
    folder, manifest = write_folder(tmp_path)

    def kill_after_third(row):
        if row.number == 3:
            raise Killed

    with pytest.raises(Killed):
        import_folder(
            folder, manifest, collection=sx_collection, by=SYSTEM, on_row=kill_after_third
        )
    assert Resource.objects.count() == 3
    report = import_folder(folder, manifest, collection=sx_collection, by=SYSTEM)
    assert (report.skipped, report.counts) == (3, {"stored": 3})
    assert Resource.objects.count() == 6
    assert report.batch.rows.count() == 6 and report.batch.finished


def test_rerunning_a_finished_import_changes_nothing(tmp_path, sx_collection):
    folder, manifest = write_folder(tmp_path)
    import_folder(folder, manifest, collection=sx_collection, by=SYSTEM)
    again = import_folder(folder, manifest, collection=sx_collection, by=SYSTEM)
    assert (again.skipped, again.counts) == (6, {})
    assert Resource.objects.count() == 6


def test_a_new_manifest_with_files_already_held_reports_duplicates(tmp_path, sx_collection):
    folder, manifest = write_folder(tmp_path)
    import_folder(folder, manifest, collection=sx_collection, by=SYSTEM)
    second = folder / "again.jsonl"
    second.write_text(
        "\n".join(
            json.dumps({"file": f"photos/{i}.png", "type": "image", "subtype": "old_photograph",
                        "title": f"再次{i}"}, ensure_ascii=False)
            for i in range(2)
        ) + "\n{broken json\n",
        encoding="utf-8",
    )  # fmt: skip
    report = import_folder(folder, second, collection=sx_collection, by=SYSTEM)
    assert report.counts == {"duplicate": 2, "failed": 1}
    duplicate = report.batch.rows.get(number=1)
    assert duplicate.resource.title == "老照片0"
    assert Resource.objects.count() == 6


def test_a_librarian_of_another_province_cannot_import(tmp_path, sx_collection, staff):
    folder, manifest = write_folder(tmp_path)
    with pytest.raises(PermissionDenied):
        import_folder(folder, manifest, collection=sx_collection, by=staff["gs_admin"])
