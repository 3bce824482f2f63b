"""One conformance suite for every search backend (tantivy always; PostgreSQL in server mode)."""

from __future__ import annotations

import pytest

from shuxiang.accounts.tests.factories import admin_of, user
from shuxiang.catalog import services
from shuxiang.catalog.search import service
from shuxiang.catalog.tests.factories import record, source, titles
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import ValidationFailed
from shuxiang.network.tests.factories import small_network


@pytest.fixture
def corpus(engine, committed):
    with committed():
        made = {
            "library": record(
                "国家图书馆馆藏古籍目录",
                creators=["李明"],
                subjects=["古籍", "目录学"],
                date="1998",
                type="book",
                language="zh",
                description="收录国家图书馆所藏善本古籍的书目。",
            ),
            "poems": record(
                "唐詩三百首",
                creators=["蘅塘退士"],
                subjects=["唐诗"],
                date="1763",
                type="book",
                language="zh",
                collection="古典文学",
            ),
            "english": record(
                "Public Libraries in the Digital Age",
                creators=["Jane Smith"],
                subjects=["Libraries", "Digital libraries"],
                date="2015",
                type="ebook",
                language="en",
                description="How running digital services changes public libraries.",
            ),
            "lecture": record(
                "图书馆与阅读推广讲座",
                creators=["王芳"],
                subjects=["阅读推广"],
                date="2020-05-01",
                type="video",
                language="zh",
            ),
            "smith": record(
                "Gardening for Beginners",
                creators=["John Smith"],
                subjects=["Gardening"],
                date="2001",
                type="book",
                language="en",
            ),
        }
    return made


def test_simplified_query_finds_traditional_title(corpus):
    assert titles(service.search(actor=None, q="唐诗")) == ["唐詩三百首"]


def test_traditional_query_finds_simplified_title(corpus):
    found = titles(service.search(actor=None, q="圖書館"))
    assert set(found) == {"国家图书馆馆藏古籍目录", "图书馆与阅读推广讲座"}


def test_pinyin_of_a_chinese_word_finds_its_titles(corpus):
    found = titles(service.search(actor=None, q="tushuguan"))
    assert set(found) == {"国家图书馆馆藏古籍目录", "图书馆与阅读推广讲座"}


def test_pinyin_of_an_author_and_title_initials_find_the_record(corpus):
    assert titles(service.search(actor=None, q="wangfang")) == ["图书馆与阅读推广讲座"]
    assert titles(service.search(actor=None, q="TSSBS")) == ["唐詩三百首"]
    assert service.search(actor=None, q="tu").total == 0  # a lone syllable is not a key


def test_english_query_is_stemmed(corpus):
    assert titles(service.search(actor=None, q="library running")) == [
        "Public Libraries in the Digital Age"
    ]


def test_every_query_word_must_match(corpus):
    page = service.search(actor=None, q="图书馆 古籍")
    assert page.strict_total == 1 and titles(page)[:1] == ["国家图书馆馆藏古籍目录"]
    assert not page.hits[0].looser and all(hit.looser for hit in page.hits[1:])


def test_a_line_segmented_as_one_word_falls_back_to_its_parts(corpus, committed):
    with committed():
        record("靜夜思", creators=["李白"], description="牀前看月光，疑是地上霜。")
    page = service.search(actor=None, q="床前明月光")  # one idiom to the segmenter
    assert page.strict_total == 0 and titles(page)[0] == "靜夜思" and page.hits[0].looser


def test_variant_characters_and_spaced_pinyin_match(corpus, committed):
    with committed():
        record("行路難", creators=["李白"], description="停杯投筯不能食，拔劒四顧心茫然。")
    assert titles(service.search(actor=None, q="拔剑四顾"))[0] == "行路難"
    assert titles(service.search(actor=None, q="wang fang")) == ["图书馆与阅读推广讲座"]
    assert titles(service.search(actor=None, q="tang shi")) == ["唐詩三百首"]
    mixed = service.search(actor=None, q="图书馆 gardening")  # no record has both words
    assert mixed.strict_total == 0 and all(hit.looser for hit in mixed.hits)


def test_creators_and_pinyin_hits_are_highlighted(corpus):
    hit = service.search(actor=None, q="wang fang").hits[0]
    assert str(hit.creators) == "<mark>王芳</mark>"
    hit = service.search(actor=None, q="tushuguan").hits[0]
    assert "<mark>图书馆</mark>" in str(hit.title)
    assert str(service.search(actor=None, q="李明").hits[0].creators) == "<mark>李明</mark>"


def test_field_search_looks_only_in_that_field(corpus):
    assert titles(service.search(actor=None, q="smith", field="creator", sort="title")) == [
        "Gardening for Beginners",
        "Public Libraries in the Digital Age",
    ]
    assert service.search(actor=None, q="smith", field="title").total == 0


def test_title_matches_rank_above_description_matches(corpus):
    found = titles(service.search(actor=None, q="图书馆"))
    assert found[0] in {"国家图书馆馆藏古籍目录", "图书馆与阅读推广讲座"}
    hits = service.search(actor=None, q="digital")
    assert titles(hits)[0] == "Public Libraries in the Digital Age"


def test_facets_count_type_language_year_subject(corpus):
    page = service.search(actor=None, q="")
    assert page.total == 5
    assert dict(page.facets["type"]) == {"book": 3, "ebook": 1, "video": 1}
    assert dict(page.facets["language"]) == {"zh": 3, "en": 2}
    assert dict(page.facets["year"])["2015"] == 1
    assert dict(page.facets["subject"])["唐诗"] == 1
    assert dict(page.facets["collection"]) == {"古典文学": 1}


def test_facets_are_counted_over_the_filtered_matches(corpus):
    page = service.search(actor=None, q="", filters={"type": ["book"]})
    assert page.total == 3
    assert dict(page.facets["type"]) == {"book": 3}
    assert dict(page.facets["language"]) == {"zh": 2, "en": 1}
    assert dict(page.facets["year"]) == {"1998": 1, "1763": 1, "2001": 1}


def test_filters_and_year_range_narrow_results(corpus):
    page = service.search(actor=None, q="", filters={"type": ["book"], "language": ["en"]})
    assert titles(page) == ["Gardening for Beginners"]
    page = service.search(actor=None, q="", year_from=1990, year_to=2010, sort="year")
    assert titles(page) == ["国家图书馆馆藏古籍目录", "Gardening for Beginners"]
    assert titles(service.search(actor=None, q="", filters={"subject": ["唐诗"]})) == ["唐詩三百首"]


def test_a_filter_of_several_values_or_of_an_unknown_one(corpus):
    either = service.search(actor=None, q="", filters={"type": ["ebook", "video"]}, sort="year")
    assert titles(either) == ["Public Libraries in the Digital Age", "图书馆与阅读推广讲座"]
    assert service.search(actor=None, q="", filters={"type": ["map"]}).total == 0
    one_year = service.search(actor=None, q="", filters={"year": ["2015"]})
    assert titles(one_year) == ["Public Libraries in the Digital Age"]


def test_sort_by_year_both_ways_and_paging(corpus):
    newest = titles(service.search(actor=None, q="", sort="-year", page_size=2))
    assert newest == ["图书馆与阅读推广讲座", "Public Libraries in the Digital Age"]
    second = service.search(actor=None, q="", sort="year", page=2, page_size=2)
    assert titles(second) == ["Gardening for Beginners", "Public Libraries in the Digital Age"]
    assert second.total == 5 and second.pages == 3


def test_highlights_mark_matches_in_original_script(corpus):
    hit = service.search(actor=None, q="唐诗").hits[0]
    assert str(hit.title) == "<mark>唐詩</mark>三百首"
    hit = service.search(actor=None, q="libraries").hits[0]
    assert "<mark>Libraries</mark>" in str(hit.title)


def test_suggestions_complete_title_prefixes(corpus):
    assert service.suggest(actor=None, prefix="国家图") == ["国家图书馆馆藏古籍目录"]
    assert service.suggest(actor=None, prefix="唐詩") == ["唐诗三百首"]
    assert service.suggest(actor=None, prefix="public") == ["public libraries in the digital age"]


def test_deleting_and_changing_records_updates_the_index(corpus, committed):
    with committed():
        services.delete_record(corpus["poems"].pk, by=SYSTEM)
    assert service.search(actor=None, q="唐诗").total == 0
    with committed():
        record("Gardening for Experts", local_id=corpus["smith"].local_id, date="2001")
    assert titles(service.search(actor=None, q="experts")) == ["Gardening for Experts"]
    assert service.search(actor=None, q="beginners").total == 0


def test_full_rebuild_restores_the_index(corpus):
    engine = service.get_backend()
    engine.clear()
    assert service.search(actor=None, q="唐诗").total == 0
    assert service.reindex() == 5
    assert titles(service.search(actor=None, q="唐诗")) == ["唐詩三百首"]


def test_bad_search_options_name_the_field(engine):
    with pytest.raises(ValidationFailed) as caught:
        service.search(actor=None, q="x", sort="random", page_size=1000)
    assert {e.field for e in caught.value.errors} == {"sort", "page_size"}


@pytest.fixture
def restricted(engine, committed):
    net = small_network()
    with committed():
        record("公开的地方志", library=net["sx"], access="public")
        record("读者专享地方志", library=net["sx"], access="registered")
        record("绍兴馆读者地方志", library=net["sx"], access="library")
        record("馆员内部地方志", library=net["sx"], access="staff")
        record("兰州馆内部地方志", library=net["lz"], access="staff")
    return net


def test_anonymous_readers_see_only_public_records(restricted):
    assert titles(service.search(actor=None, q="地方志")) == ["公开的地方志"]


def test_registered_readers_see_registered_and_their_librarys_records(restricted):
    outsider = user(home_library=restricted["lz"])
    local = user(home_library=restricted["sx"])
    assert set(titles(service.search(actor=outsider, q="地方志"))) == {
        "公开的地方志",
        "读者专享地方志",
    }
    assert set(titles(service.search(actor=local, q="地方志"))) == {
        "公开的地方志",
        "读者专享地方志",
        "绍兴馆读者地方志",
    }


def test_staff_see_everything_in_their_subtree_only(restricted):
    zhejiang_admin = admin_of(restricted["zj"])
    found = set(titles(service.search(actor=zhejiang_admin, q="地方志")))
    assert "馆员内部地方志" in found and "兰州馆内部地方志" not in found
    assert service.search(actor=SYSTEM, q="地方志").total == 5


def test_facet_counts_and_suggestions_respect_access(restricted):
    assert service.search(actor=None, q="").total == 1
    assert service.suggest(actor=None, prefix="馆员") == []
    assert service.suggest(actor=admin_of(restricted["sx"]), prefix="馆员") == ["馆员内部地方志"]


def test_pages_are_full_and_no_work_repeats_across_pages(engine, committed):
    with committed():
        for n in range(7):  # seven works, each held by two sources
            for src in ("a", "b"):
                record(f"方志{n}", src=source(src), creators=["编者"], date=str(1990 + n))
    first = service.search(actor=None, q="方志", page_size=3)
    second = service.search(actor=None, q="方志", page=2, page_size=3)
    third = service.search(actor=None, q="方志", page=3, page_size=3)
    assert [len(p.hits) for p in (first, second, third)] == [3, 3, 1]
    works = [hit.record.work_id for p in (first, second, third) for hit in p.hits]
    assert len(set(works)) == 7 and first.total == 7 and first.pages == 3 and first.total_exact
    assert all(len(hit.holdings) == 2 for p in (first, second, third) for hit in p.hits)


@pytest.mark.parametrize("q", ["方志", "方志 编者"])  # Groonga: a second select / the same one
def test_works_are_counted_when_more_records_match_than_the_window_holds(
    engine, committed, monkeypatch, q
):
    monkeypatch.setattr(service, "WINDOW", 4)
    monkeypatch.setattr(service, "MAX_WINDOW", 4)
    with committed():
        for n in range(7):  # fourteen records, seven works
            for src in ("a", "b"):
                record(f"方志{n}", src=source(src), creators=["编者"], date=str(1990 + n))
    page = service.search(actor=None, q=q, page_size=3)
    if engine.name == "tantivy":  # no count of works: the records bound them from above
        assert page.total_relation == "lte" and 7 <= page.total <= 14
    else:
        assert (page.total, page.total_relation, page.pages) == (7, "eq", 3)
    assert len(page.hits) == 2  # the window of four records held two works


def test_distinct_works_with_equal_title_and_author_stay_distinct(engine, committed):
    with committed():
        a = record("扬之水", description="扬之水，不流束薪。彼其之子，不与我戍申。")
        b = record("扬之水", description="扬之水，白石凿凿。素衣朱襮，从子于沃。")
        c = record(
            "扬之水", src=source("copy"), description="扬之水，白石凿凿。素衣朱襮，从子于沃。"
        )
    assert a.work_id != b.work_id == c.work_id
    page = service.search(actor=None, q="扬之水")
    assert page.total == 2 and sorted(len(hit.holdings) for hit in page.hits) == [1, 2]
