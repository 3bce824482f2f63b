"""Recommendations from real usage events: explained, within access policies, opt-out honoured.

Events go through the stats app (``events.record``), the jobs run on DuckDB over the export,
and pages read the stored results.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from django.utils import translation

from shuxiang.accounts.tests.factories import reader
from shuxiang.analytics import queries, services, serving
from shuxiang.analytics.models import JobRun, ReaderRecommendation
from shuxiang.network.tests.factories import small_network
from shuxiang.resources.models import Collection, Resource, ResourceFile
from shuxiang.resources.storage import get_storage
from shuxiang.resources.tests.helpers import png_bytes, published, upload
from shuxiang.stats import events

AT = datetime(2026, 3, 2, 2, 0, tzinfo=UTC)


@pytest.fixture
def library_year(db):
    """Twelve readers read 论语 with 孟子 and with a staff-only 内部资料; one reader read 论语."""
    net = small_network()
    shelf = Collection.objects.create(
        library=net["sx"], code="guji", name="古籍", kind="independent"
    )
    books = {
        title: published(
            shelf, title=title, access=access, files=[upload(f"{color}.png", png_bytes(color))]
        )
        for title, access, color in (
            ("论语", "public", "red"),
            ("孟子", "public", "blue"),
            ("大学", "public", "green"),
            ("内部资料", "staff", "gray"),
        )
    }
    for n in range(12):
        for offset, title in enumerate(("论语", "孟子", "内部资料")):
            events.record(
                "item_view",
                library="330600",
                reader=f"r{n}",
                item_id=_id(books[title]),
                at=AT + timedelta(days=n, minutes=offset),
                title=title,
            )
    for n in range(3):
        events.record(
            "item_view",
            library="330600",
            reader=f"r{n}",
            item_id=_id(books["大学"]),
            at=AT + timedelta(days=n, minutes=9),
        )
    newcomer = reader(net["sx"])
    events.record("item_view", library="330600", reader=newcomer, item_id=_id(books["论语"]), at=AT)
    events.flush()
    services.run_nightly("duckdb")
    return net, books, newcomer


def _id(resource: Resource) -> str:
    return f"resource:{resource.pk}"


def test_a_reader_is_recommended_what_readers_like_them_read_and_told_why(library_year):
    net, books, newcomer = library_year
    suggestions = serving.for_reader(newcomer, None)
    titles = [s.resource.title for s in suggestions]
    assert titles[0] == "孟子"
    assert suggestions[0].reason == "Because you read 《论语》"


def test_nothing_the_reader_cannot_open_is_ever_recommended(library_year):
    net, books, newcomer = library_year
    assert ReaderRecommendation.objects.filter(item_id=_id(books["内部资料"])).exists()
    for suggestions in (
        serving.for_reader(newcomer, None),
        serving.related(newcomer, None, books["论语"]),
        serving.related(None, None, books["论语"]),
        serving.popular(None, None, net["sx"]),
    ):
        assert suggestions
        assert "内部资料" not in [s.resource.title for s in suggestions]


def test_related_items_come_from_sessions_first(library_year):
    net, books, _newcomer = library_year
    related = serving.related(None, None, books["论语"])
    assert related[0].resource.title == "孟子"
    assert related[0].reason == "Often viewed in the same visit as this one"


def test_a_reader_who_opts_out_gets_no_personal_recommendations(library_year, client):
    net, books, newcomer = library_year
    client.force_login(newcomer)
    assert client.post("/analytics/preferences/", {"opt_out": "1"}).status_code == 302
    assert serving.for_reader(newcomer, None) == []
    services.run_nightly("duckdb")
    assert not ReaderRecommendation.objects.filter(reader=events.pseudonym(newcomer)).exists(), (
        "not even computed again"
    )
    with translation.override("en"):  # the page request left its own language active
        home = serving.for_home(newcomer, None, net["sx"])
    assert all(s.reason.startswith("Popular") for s in home)


def test_new_readers_fall_back_to_popular_items(library_year):
    net, books, _newcomer = library_year
    stranger = reader(net["sx"])
    suggestions = serving.for_home(stranger, None, net["sx"])
    assert suggestions[0].resource.title in {"论语", "孟子"}
    assert suggestions[0].reason.startswith("Popular")


def test_every_job_run_is_recorded_with_its_duration(library_year):
    runs = JobRun.objects.filter(status="done")
    assert runs.count() >= 11
    assert all(run.seconds is not None and run.events > 0 for run in runs)


def test_utilisation_ranks_resources_and_hides_small_counts(library_year):
    net, books, _newcomer = library_year
    use = queries.utilisation(net["sx"])
    top = {title: n for _pk, title, n in use["top"]}
    assert top["论语"] == 13
    assert top["大学"] is None, "three uses are a group below k"
    assert list(top.values()).count(None) >= 2, "and one more, or the total would give it away"
    assert use["collections"] == [("古籍", 40)]
    assert use["never_used_count"] == 0


def test_resource_page_and_account_page_show_suggestions(library_year, client):
    net, books, newcomer = library_year
    page = client.get(f"/resources/{books['论语'].pk}/").content.decode()
    related = page[page.index("h-suggest-related") :]
    assert "孟子" in related and "内部资料" not in related
    client.force_login(newcomer)
    mine = client.get("/accounts/me/").content.decode()
    assert "h-suggest-for_you" in mine and "孟子" in mine


def test_the_reader_shows_related_items_below_the_chapter(library_year, client):
    """The portal reader's item key is the events' item id (``resource:<pk>``): reading 论语
    shows what is read with it, and never what the reader may not open."""
    net, books, _newcomer = library_year
    lunyu = books["论语"]
    stored = get_storage().save(f"test/{lunyu.pk}/chapter-0.html", BytesIO("学而时习之".encode()))
    ResourceFile.objects.create(
        resource=lunyu, role=ResourceFile.Role.CHAPTER, order=0, key=stored.key,
        filename="chapter-0.html", content_type="text/html", size=stored.size,
        sha256=stored.sha256, label="学而第一",
    )  # fmt: skip
    page = client.get(f"/read/resource:{lunyu.pk}/1/").content.decode()
    assert "学而时习之" in page
    related = page[page.index("h-suggest-related") :]
    assert "孟子" in related and "内部资料" not in related
