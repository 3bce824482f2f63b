"""Resource metadata: every SPEC §5 type, per-type fields, and field-level errors."""

from __future__ import annotations

import pytest
from django.utils import translation

from shuxiang.core.errors import ValidationFailed
from shuxiang.resources.models import Resource
from shuxiang.resources.tests.helpers import make_resource, pdf_bytes, upload
from shuxiang.resources.types import TYPES

VALID = {
    "ebook": ({}, {"isbn": "978-7-02-000220-7"}, "book.pdf", pdf_bytes),
    "classic": ({}, {"category": "jing"}, "book.pdf", pdf_bytes),
    "journal_issue": (
        {},
        {"journal_title": "图书馆杂志", "year": 2014, "issue": "3"},
        "i.pdf",
        None,
    ),
    "newspaper_page": (
        {},
        {"newspaper_title": "绍兴日报", "issue_date": "1949-05-07", "page_number": 1},
        "p.pdf",
        None,
    ),
    "video": ({"subtype": "local_opera"}, {"opera_genre": "越剧"}, "v.mp4", None),
    "audio": ({"subtype": "recitation"}, {"reader": "朗读者"}, "a.ogg", None),
    "image": ({"subtype": "new_year_painting"}, {"technique": "木版"}, "i.png", None),
    "web_record": (
        {},
        {"source_url": "https://www.gov.cn/zhengce/", "issuing_body": "国务院"},
        "r.html",
        None,
    ),
}


def errors_of(excinfo) -> dict[str, str]:
    return {e.field: e.code for e in excinfo.value.errors}


def test_every_type_of_the_resource_configuration_table_is_modelled():
    assert set(TYPES) == set(VALID)
    assert set(TYPES["video"].subtypes) == {
        "lecture",
        "local_opera",
        "documentary",
        "intangible_heritage",
        "children",
        "ethnic_minority",
    }
    assert set(TYPES["image"].subtypes) == {
        "new_year_painting",
        "old_photograph",
        "ethnic_minority",
    }
    assert TYPES["audio"].subtypes == ("recitation",)


@pytest.mark.parametrize("type_code", sorted(VALID))
def test_each_type_stores_its_own_fields(sx_collection, type_code):
    core, extra, name, maker = VALID[type_code]
    data = maker() if maker else b"content of " + name.encode()
    resource = make_resource(
        sx_collection, type=type_code, subtype=core.get("subtype", ""), extra=extra,
        files=[upload(name, data)],
    )  # fmt: skip
    stored = Resource.objects.get(pk=resource.pk)
    assert stored.type == type_code
    assert set(stored.extra) == set(extra)


def test_multilingual_titles_subjects_and_rights_are_kept(sx_collection):
    resource = make_resource(
        sx_collection,
        titles={"en": "Old photograph of Shaoxing", "bo": "ཤའོ་ཤིང་"},
        subjects="绍兴；老街, 水乡",
        rights="© 绍兴图书馆",
        licence="CC BY-NC 4.0",
        access="library",
    )
    assert resource.titles["en"] == "Old photograph of Shaoxing"
    assert resource.subjects == ["绍兴", "老街", "水乡"]
    assert (resource.rights, resource.licence, resource.access) == (
        "© 绍兴图书馆",
        "CC BY-NC 4.0",
        "library",
    )


def test_missing_required_type_fields_are_named(sx_collection):
    with pytest.raises(ValidationFailed) as excinfo:
        make_resource(sx_collection, type="journal_issue", subtype="", extra={"issn": "12345"},
                      files=[upload("i.pdf", pdf_bytes())])  # fmt: skip
    assert errors_of(excinfo) == {
        "extra.journal_title": "required",
        "extra.year": "required",
        "extra.issue": "required",
        "extra.issn": "invalid",
    }


def test_wrong_subtype_unknown_field_and_bad_date_are_all_reported_at_once(sx_collection):
    with pytest.raises(ValidationFailed) as excinfo:
        make_resource(
            sx_collection, type="video", subtype="cartoon", date="1936-13",
            extra={"colour": "red"}, access="friends", titles={"english": "x"},
        )  # fmt: skip
    assert errors_of(excinfo) == {
        "subtype": "required",
        "date": "invalid",
        "extra.colour": "unknown_field",
        "access": "invalid",
        "titles.english": "invalid",
    }


def test_ethnic_minority_video_needs_the_ethnic_group(sx_collection):
    with pytest.raises(ValidationFailed) as excinfo:
        make_resource(sx_collection, type="video", subtype="ethnic_minority",
                      files=[upload("v.mp4", b"x")])  # fmt: skip
    assert errors_of(excinfo) == {"extra.ethnic_group": "required"}


def test_a_file_of_the_wrong_kind_is_refused_naming_the_file(sx_collection):
    with translation.override("en"), pytest.raises(ValidationFailed) as excinfo:
        make_resource(sx_collection, type="audio", subtype="recitation",
                      files=[upload("poem.png", b"png")])  # fmt: skip
    assert errors_of(excinfo) == {"files.0": "invalid"}
    assert "poem.png is image/png" in excinfo.value.errors[0].reason


def test_nothing_is_stored_when_validation_fails(sx_collection):
    with pytest.raises(ValidationFailed):
        make_resource(sx_collection, title="")
    assert not Resource.objects.exists()
