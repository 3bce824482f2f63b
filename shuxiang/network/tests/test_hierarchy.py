"""Hierarchy queries are single queries over the materialized path."""

from __future__ import annotations

from shuxiang.core.actors import SYSTEM
from shuxiang.network import queries, services
from shuxiang.network.models import Library


def codes(queryset) -> list[str]:
    return sorted(lib.code for lib in queryset)


def test_subtree_holds_the_library_and_everything_below(net):
    assert codes(queries.subtree(net["zj"])) == ["330000", "330100", "330600", "330681"]
    assert codes(queries.subtree(net["zj"], include_self=False)) == ["330100", "330600", "330681"]


def test_subtree_does_not_leak_into_a_sibling_with_a_longer_code_prefix(net):
    services.create_library(
        {"code": "33", "name": "x", "level": "provincial", "parent": "NLC"}, by=SYSTEM
    )
    assert "33" not in codes(queries.subtree(net["zj"]))
    assert codes(queries.subtree(Library.objects.get(code="33"))) == ["33"]


def test_ancestors_come_root_first(net):
    assert [lib.code for lib in queries.ancestors(net["zhuji"])] == ["NLC", "330000", "330600"]


def test_all_county_libraries_of_a_province(net):
    assert codes(queries.descendants_at_level(net["zj"], "county")) == ["330681"]
    assert codes(queries.descendants_at_level(net["gs"], "county")) == ["620123"]


def test_each_hierarchy_query_is_one_sql_query(net, django_assert_num_queries):
    with django_assert_num_queries(1):
        list(queries.subtree(net["zj"]))
    with django_assert_num_queries(1):
        list(queries.ancestors(net["zhuji"]))
    with django_assert_num_queries(1):
        list(queries.descendants_at_level(net["nlc"], "county"))


def test_province_of_a_county_library(net):
    assert queries.province_of(net["zhuji"]) == net["zj"]
    assert queries.province_of(net["nlc"]) is None


def test_most_specific_ip_range_wins(net):
    assert queries.library_for_ip("10.30.50.7") == net["zhuji"]
    assert queries.library_for_ip("10.31.0.1") == net["sx"]
    assert queries.library_for_ip("192.168.1.1") is None


def test_moving_a_library_rewrites_its_whole_subtree(net):
    services.create_library(
        {
            "code": "SX-KIDS",
            "name": "少儿馆",
            "level": "county",
            "parent": "330600",
            "is_childrens": True,
        },
        by=SYSTEM,
    )
    services.create_library(
        {"code": "SX-KIDS-1", "name": "服务点", "level": "service_point", "parent": "SX-KIDS"},
        by=SYSTEM,
    )
    services.update_library(Library.objects.get(code="SX-KIDS"), {"parent": "330100"}, by=SYSTEM)
    point = Library.objects.get(code="SX-KIDS-1")
    assert point.path == "/NLC/330000/330100/SX-KIDS/SX-KIDS-1/"
    assert point.depth == 4
    assert codes(queries.subtree(net["hz"])) == ["330100", "SX-KIDS", "SX-KIDS-1"]
    assert "SX-KIDS-1" not in codes(queries.subtree(net["sx"]))


def test_counts_by_province_exclude_the_provincial_library_itself(net):
    rows = {row["library"].code: row for row in queries.counts_by_province()}
    assert rows["330000"]["counts"] == {"city": 2, "county": 1}
    assert rows["330000"]["total"] == 3
