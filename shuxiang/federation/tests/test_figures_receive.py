"""The parent's side of figures and health, in this process (both legs: SQLite and PostgreSQL).

A child's batch is mirrored into the library tree, stored all or nothing, rolled up, and shown
on the dashboards; a heartbeat lands on the monitoring page and feeds the alert rules.
"""

from __future__ import annotations

import copy
from datetime import date

import pytest
from django.db.models import Sum
from django.utils import translation

from shuxiang.accounts.tests.factories import PASSWORD, admin_of
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import Conflict, PermissionDenied, ValidationFailed
from shuxiang.federation import figures, health
from shuxiang.federation.models import HostedLibrary, Node
from shuxiang.network import services as network
from shuxiang.network.models import Library
from shuxiang.stats import monitoring, services
from shuxiang.stats.models import DailyRollup, RemoteDaily

LIBRARIES = [
    {"code": "330000", "name": "浙江图书馆", "name_en": "", "level": "provincial",
     "parent_code": "NLC"},
    {"code": "330100", "name": "杭州图书馆", "name_en": "", "level": "city",
     "parent_code": "330000"},
]  # fmt: skip
PAYLOAD = {
    "format": figures.FORMAT,
    "libraries": LIBRARIES,
    "days": [
        {
            "day": "2026-03-02",
            "daily": [
                ["330000", "ebook", "web", "item_view", 5, 2],
                ["330100", "", "mobile", "search", 7, 3],
            ],
            "hourly": [["330000", 9, 5], ["330100", 10, 7]],
        }
    ],
}


@pytest.fixture
def nlc(db):
    return network.create_library(
        {"code": "NLC", "name": "国家图书馆", "level": "national"}, by=SYSTEM
    )


@pytest.fixture
def child(db):
    return Node.objects.create(
        name="zhejiang", base_url="http://zj.example", relation="child", status="approved"
    )


def _subtree(code):
    rows = DailyRollup.objects.filter(scope=code, subtree=True)
    return rows.aggregate(n=Sum("events"))["n"] or 0


def test_a_batch_mirrors_the_libraries_and_adds_up_at_every_tier(nlc, child):
    answer = figures.receive_figures(child, copy.deepcopy(PAYLOAD))
    assert answer == {"changed": ["2026-03-02"], "received": 1}
    hz = Library.objects.get(code="330100")
    assert hz.parent.code == "330000" and hz.node == "zhejiang"
    hosted = HostedLibrary.objects.filter(node=child).values_list("library__code", flat=True)
    assert set(hosted) == {"330000", "330100"}
    assert (_subtree("NLC"), _subtree("330000"), _subtree("330100")) == (12, 12, 7)
    own = DailyRollup.objects.filter(scope="330000", subtree=False).aggregate(n=Sum("events"))
    assert own["n"] == 5
    rows = services.comparison(SYSTEM, nlc, date(2026, 3, 1), date(2026, 3, 31))
    assert [(r["library"].code, r["events"]) for r in rows] == [("330000", 12)]


def test_the_same_batch_again_changes_nothing(nlc, child):
    figures.receive_figures(child, copy.deepcopy(PAYLOAD))
    again = figures.receive_figures(child, copy.deepcopy(PAYLOAD))
    assert again["changed"] == []
    assert RemoteDaily.objects.count() == 2 and _subtree("NLC") == 12


def test_a_correction_replaces_the_days_figures(nlc, child):
    figures.receive_figures(child, copy.deepcopy(PAYLOAD))
    corrected = copy.deepcopy(PAYLOAD)
    corrected["days"][0]["daily"][1][4] = 9
    corrected["days"][0]["hourly"][1][2] = 9
    assert figures.receive_figures(child, corrected)["changed"] == ["2026-03-02"]
    assert (_subtree("NLC"), _subtree("330100")) == (14, 9)


def test_rows_for_a_library_the_parent_hosts_are_refused_and_nothing_is_stored(nlc, child):
    bad = copy.deepcopy(PAYLOAD)
    bad["days"][0]["daily"].append(["NLC", "", "web", "search", 1, 1])
    with pytest.raises(ValidationFailed) as refused:
        figures.receive_figures(child, bad)
    assert [e.field for e in refused.value.errors] == ["days[0].daily[2].library"]
    assert not RemoteDaily.objects.exists()
    assert not Library.objects.filter(code="330000").exists()  # the mirror rolled back too


def test_bad_envelopes_are_refused_naming_the_field(nlc, child):
    for payload, field in (
        ({**PAYLOAD, "format": "csv"}, "format"),
        ({**PAYLOAD, "libraries": "all"}, "libraries"),
        ({**PAYLOAD, "days": {}}, "days"),
        ({**PAYLOAD, "libraries": [{**LIBRARIES[0], "level": "galactic"}]}, "libraries[0].level"),
    ):
        with pytest.raises(ValidationFailed) as refused:
            figures.receive_figures(child, copy.deepcopy(payload))
        assert field in [e.field for e in refused.value.errors], payload
    with pytest.raises(ValidationFailed):
        figures.receive_figures(child, ["not", "an", "object"])


def test_only_children_report_figures(nlc):
    parent = Node.objects.create(
        name="up", base_url="http://up.example", relation="parent", status="approved"
    )
    with pytest.raises(PermissionDenied):
        figures.receive_figures(parent, copy.deepcopy(PAYLOAD))


def test_a_heartbeat_shows_on_the_monitoring_page_and_raises_alerts(client, nlc, child):
    figures.receive_figures(child, copy.deepcopy(PAYLOAD))
    monitoring.add_alert_rule(
        SYSTEM, nlc, {"condition": "errors_above", "threshold": 2, "email": "ops@example.org"}
    )
    beat = health.receive_heartbeat(
        child,
        {"version": "0.1.0", "storage_bytes": 5 * 10**9, "queue_lag_seconds": 12,
         "last_harvest": "2026-11-29T08:00:00+08:00", "errors": 4, "last_error": "boom"},
    )  # fmt: skip
    assert beat.library.code == "330000" and beat.node == "zhejiang"
    raised = monitoring.evaluate_alerts()
    assert [a.subject for a in raised] == ["node zhejiang"] and "boom" in raised[0].message
    client.login(username=admin_of(nlc).username, password=PASSWORD)
    with translation.override("en"):
        page = client.get("/stats/NLC/outages/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "zhejiang" in page and "0.1.0" in page and "boom" in page


def test_a_heartbeat_with_unknown_or_bad_fields_is_refused(nlc, child):
    figures.receive_figures(child, copy.deepcopy(PAYLOAD))
    with pytest.raises(ValidationFailed) as refused:
        health.receive_heartbeat(child, {"version": "1", "reader": "x"})
    assert [e.field for e in refused.value.errors] == ["reader"]
    with pytest.raises(ValidationFailed) as refused:
        health.receive_heartbeat(child, {"storage_bytes": "9" * 40})
    assert [e.field for e in refused.value.errors] == ["storage_bytes"]


def test_a_node_hosting_nothing_cannot_send_a_heartbeat(nlc, child):
    with pytest.raises(Conflict) as refused:
        health.receive_heartbeat(child, {"version": "1"})
    assert [(e.field, e.code) for e in refused.value.errors] == [("node", "no_library")]
