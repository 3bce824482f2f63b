"""Demand feedback: readers request and rate, librarians answer, tiers see the signals."""

from __future__ import annotations

import pytest

from shuxiang.accounts.tests.factories import admin_of, reader, staff_of
from shuxiang.analytics import demand
from shuxiang.analytics.models import DemandRequest
from shuxiang.core.errors import PermissionDenied, ValidationFailed
from shuxiang.network.scopes import Role
from shuxiang.network.tests.factories import small_network


@pytest.fixture
def net(db):
    return small_network()


def test_a_reader_requests_and_a_librarian_of_the_library_answers(net, client):
    person = reader(net["zhuji"])
    client.force_login(person)
    page = client.post("/analytics/demand/", {"title": "四库全书总目", "author": "纪昀"})
    assert page.status_code == 302
    asked = DemandRequest.objects.get()
    assert (asked.library, asked.status) == (net["zhuji"], "open")
    librarian = staff_of(net["sx"], Role.LIBRARIAN)  # the city above the county
    client.force_login(librarian)
    assert "四库全书总目" in client.get("/analytics/demand/answers/").content.decode()
    done = client.post(
        "/analytics/demand/answers/",
        {"request": asked.pk, "status": "acquiring", "answer": "已列入采购计划"},
    )
    assert done.status_code == 302
    client.force_login(person)
    assert "已列入采购计划" in client.get("/analytics/demand/").content.decode()


def test_a_librarian_of_another_branch_cannot_answer(net):
    asked = demand.request_resource(by=reader(net["zhuji"]), title="方志")
    with pytest.raises(PermissionDenied):
        demand.answer_request(
            asked, by=staff_of(net["lz"], Role.LIBRARIAN), status="declined", answer="不行"
        )


def test_bad_input_names_the_field(net, client):
    person = reader(net["zhuji"])
    with pytest.raises(ValidationFailed, match="title"):
        demand.request_resource(by=person, title="   ")
    for stars in ("0", "6", "１０", "٣", "99999999999999999999"):
        with pytest.raises(ValidationFailed, match="stars"):
            demand.rate_service(by=person, service="search", stars=stars)
    client.force_login(person)
    page = client.post("/analytics/demand/", {"form": "rate", "service": "search", "stars": "9"})
    assert page.status_code == 400 and "stars" in page.content.decode()
    assert demand.rate_service(by=person, service="search", stars="５").stars == 5


def test_signals_add_up_the_tree_and_hide_small_groups(net):
    for n in range(12):
        person = reader(net["zhuji"])
        demand.request_resource(by=person, title=f"书{n}")
        demand.rate_service(by=person, service="digital", stars=4 + n % 2)
    demand.request_resource(by=reader(net["hz"]), title="孤本")
    province = demand.signals(admin_of(net["zj"]), net["zj"], k=10)
    rows = {lib.code: (opened, done, mean) for lib, opened, done, mean in province["rows"]}
    assert rows["330600"][2] == 4.5, "twelve ratings are shown as their mean"
    assert rows["330100"][0] is None, "one request is a group below k"
    assert rows["330100"][2] is None
    hidden_open = [rows["330600"][0], province["totals"][0]]
    assert None in hidden_open, "else 13 − 12 would give Hangzhou's one request"
    with pytest.raises(PermissionDenied):
        demand.signals(admin_of(net["gs"]), net["zj"], k=10)
