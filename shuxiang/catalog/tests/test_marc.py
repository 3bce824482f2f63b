"""MARC import: MARC 21 and CNMARC, ISO 2709 and MARCXML, bad records reported by position."""

from __future__ import annotations

import pymarc
import pytest

from shuxiang.catalog import marc
from shuxiang.catalog.models import Record
from shuxiang.catalog.tests.factories import source
from shuxiang.core.actors import SYSTEM

pytestmark = pytest.mark.django_db
S = pymarc.Subfield


def marc21(control: str, title: str, **extra) -> pymarc.Record:
    record = pymarc.Record(force_utf8=True, leader="00000nam a2200000 a 4500")
    record.add_field(pymarc.Field(tag="001", data=control))
    record.add_field(pymarc.Field(tag="008", data="850101s1985    cc            000 0 chi d"))
    record.add_field(
        pymarc.Field(
            tag="020", indicators=[" ", " "], subfields=[S("a", extra.get("isbn", "7-02-002009-7"))]
        )
    )
    record.add_field(
        pymarc.Field(tag="100", indicators=["1", " "], subfields=[S("a", "Cao, Xueqin,")])
    )
    record.add_field(
        pymarc.Field(
            tag="245", indicators=["1", "0"], subfields=[S("a", title + " /"), S("b", "a novel.")]
        )
    )
    record.add_field(
        pymarc.Field(
            tag="264",
            indicators=[" ", "1"],
            subfields=[S("b", "People's Literature,"), S("c", "1985.")],
        )
    )
    record.add_field(
        pymarc.Field(tag="650", indicators=[" ", "0"], subfields=[S("a", "Chinese fiction.")])
    )
    record.add_field(pymarc.Field(tag="700", indicators=["1", " "], subfields=[S("a", "Gao, E.")]))
    return record


def cnmarc(control: str, title: str) -> pymarc.Record:
    record = pymarc.Record(force_utf8=True, leader="00000nam0 2200000   450 ")
    record.add_field(pymarc.Field(tag="001", data=control))
    record.add_field(
        pymarc.Field(
            tag="010",
            indicators=[" ", " "],
            subfields=[S("a", "978-7-02-002009-6"), S("d", "CNY59.70")],
        )
    )
    record.add_field(pymarc.Field(tag="101", indicators=["0", " "], subfields=[S("a", "chi")]))
    record.add_field(
        pymarc.Field(
            tag="200", indicators=["1", " "], subfields=[S("a", title), S("f", "曹雪芹著")]
        )
    )
    record.add_field(
        pymarc.Field(
            tag="210",
            indicators=[" ", " "],
            subfields=[S("a", "北京"), S("c", "人民文学出版社"), S("d", "1996")],
        )
    )
    record.add_field(pymarc.Field(tag="606", indicators=["0", " "], subfields=[S("a", "章回小说")]))
    record.add_field(
        pymarc.Field(tag="701", indicators=[" ", "0"], subfields=[S("a", "曹雪芹"), S("4", "著")])
    )
    record.add_field(pymarc.Field(tag="702", indicators=[" ", "0"], subfields=[S("a", "高鹗")]))
    return record


def write_iso(path, records, garbage_after: int | None = None) -> None:
    with open(path, "wb") as handle:
        for position, record in enumerate(records, 1):
            handle.write(record.as_marc())
            if position == garbage_after:
                handle.write(b"00035nam  2200099   4500" + b"X" * 10 + b"\x1d")  # bad directory


def test_marc21_maps_title_names_isbn_publisher_and_date(tmp_path):
    path = tmp_path / "books.mrc"
    write_iso(path, [marc21("b1", "Hong lou meng")])
    report = marc.import_file(path, source=source("ils", kind="marc"), by=SYSTEM)
    assert report.stored == 1 and report.failed == 0
    record = Record.objects.get(local_id="b1")
    assert record.title == "Hong lou meng a novel"
    assert record.creators == ["Cao, Xueqin", "Gao, E"]
    assert (record.isbn, record.publisher, record.year) == (
        "9787020020096",
        "People's Literature",
        1985,
    )
    assert (
        record.subjects == ["Chinese fiction"]
        and record.language == "zh"
        and record.format == "marc21"
    )


def test_cnmarc_maps_200a_70x_010_and_210d(tmp_path):
    path = tmp_path / "cn.iso"
    write_iso(path, [cnmarc("c1", "红楼梦")])
    marc.import_file(path, source=source("cn", kind="marc"), by=SYSTEM)
    record = Record.objects.get(local_id="c1")
    assert (record.title, record.creators, record.isbn) == (
        "红楼梦",
        ["曹雪芹", "高鹗"],
        "9787020020096",
    )
    assert (record.publisher, record.year, record.language, record.format) == (
        "人民文学出版社",
        1996,
        "zh",
        "unimarc",
    )


def test_marc21_and_cnmarc_of_one_book_cluster_into_one_work(tmp_path):
    write_iso(tmp_path / "a.mrc", [marc21("x", "Red chamber", isbn="978-7-02-002009-6")])
    write_iso(tmp_path / "b.mrc", [cnmarc("y", "红楼梦")])
    marc.import_file(tmp_path / "a.mrc", source=source("a", kind="marc"), by=SYSTEM)
    marc.import_file(tmp_path / "b.mrc", source=source("b", kind="marc"), by=SYSTEM)
    assert Record.objects.get(local_id="x").work_id == Record.objects.get(local_id="y").work_id


def test_marcxml_files_import_too(tmp_path):
    path = tmp_path / "books.xml"
    with open(path, "wb") as handle:
        writer = pymarc.XMLWriter(handle)
        for n in range(3):
            writer.write(marc21(f"x{n}", f"Title {n}"))
        writer.close(close_fh=False)
    report = marc.import_file(path, source=source("xml", kind="marc"), by=SYSTEM)
    assert report.stored == 3 and Record.objects.get(local_id="x2").title == "Title 2 a novel"


def test_bad_records_are_reported_with_their_position_and_the_rest_imported(tmp_path):
    path = tmp_path / "mixed.mrc"
    untitled = marc21("u", "")
    untitled.remove_fields("245")
    write_iso(path, [marc21("g1", "One"), untitled, marc21("g3", "Three")], garbage_after=1)
    report = marc.import_file(path, source=source("mixed", kind="marc"), by=SYSTEM, progress=True)
    assert report.stored == 2 and report.failed == 2
    positions = [position for position, _reason in report.problems]
    assert positions == [2, 3]
    assert "title" in report.problems[1][1]
    assert set(Record.objects.values_list("local_id", flat=True)) == {"g1", "g3"}


def test_reimporting_a_file_updates_instead_of_duplicating(tmp_path):
    path = tmp_path / "again.mrc"
    write_iso(path, [marc21("same", "Once")])
    src = source("again", kind="marc")
    marc.import_file(path, source=src, by=SYSTEM)
    marc.import_file(path, source=src, by=SYSTEM)
    assert Record.objects.filter(local_id="same").count() == 1
