"""The demo looks like a national portal: the seed's columns, filled; headline facts not zero."""

from __future__ import annotations

from datetime import date

import pytest

from shuxiang.core.actors import SYSTEM
from shuxiang.demo.columns import load_demo_columns
from shuxiang.network.models import Library
from shuxiang.portal.demo import load_demo_portal
from shuxiang.portal.models import Column
from shuxiang.resources.demo_library import load_demo_library
from shuxiang.resources.tests.test_demo import demo_network  # noqa: F401  (fixture)
from shuxiang.stats import indicators
from shuxiang.stats.demo_facts import load_demo_facts


@pytest.fixture(autouse=True)
def fresh_caches():
    """Each test starts with no remembered sites and no cached home pages."""
    from django.core.cache import cache

    from shuxiang.portal.sites import forget_sites

    cache.clear()
    forget_sites()


SEED_NATIONAL = {"新书推荐", "经典导读", "少儿专栏", "热点资讯"}


def test_the_national_and_branch_sites_carry_the_seed_columns_once(demo_network, client):  # noqa: F811
    load_demo_library(say=lambda line: None, limit=8)
    load_demo_portal()
    assert load_demo_columns() > 0
    national = Library.objects.get(level=Library.Level.NATIONAL)
    titles = set(Column.objects.filter(library=national).values_list("title", flat=True))
    assert titles >= SEED_NATIONAL
    for column in Column.objects.filter(library=national):
        assert column.entries.exists(), column.title
    assert Column.objects.filter(library__code="330000", title="热点资讯").exists()
    assert Column.objects.filter(library__code="330600", title="县域特色").exists()
    home = client.get("/").content.decode()
    assert "新书推荐" in home and "少儿专栏" in home and "三字" in home
    branch = client.get("/s/330600/").content.decode()
    assert "县域特色" in branch and "新书推荐" in branch  # own column and the center's
    assert load_demo_columns() == 0


def test_headline_indicators_come_from_demo_facts_not_zeros(demo_network):  # noqa: F811
    load_demo_facts()
    national = Library.objects.get(level=Library.Level.NATIONAL)
    figures = {
        row["code"]: row["value"]
        for row in indicators.headline(SYSTEM, national, date.today().year)
    }
    assert figures["platforms"] >= 60
    assert figures["trainings"] >= 30
    assert figures["resources_tb"] > 10
    assert 95 < figures["availability"] < 100
    again = load_demo_facts()
    assert again.startswith("Demo facts: 0 platforms and 0 training sessions")
