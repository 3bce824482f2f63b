"""Figures are scoped to the viewer's library subtree, in services, pages and the API."""

from __future__ import annotations

from datetime import date

import pytest

from shuxiang.accounts.services import issue_api_token
from shuxiang.accounts.tests.factories import PASSWORD, admin_of, user
from shuxiang.core.errors import PermissionDenied
from shuxiang.stats import services
from shuxiang.stats.tests.helpers import land

DAY = date(2026, 6, 6)
PERIOD = {"begin": "2026-06-01", "end": "2026-06-30"}


@pytest.fixture
def figures(net):
    land({"330681": 5, "330600": 2, "330100": 3, "620123": 7})
    return net


def test_provincial_admin_sees_their_subtree_figures(figures):
    zj_admin = admin_of(figures["zj"])
    assert services.totals(zj_admin, figures["zj"], DAY, DAY)["events"] == 10
    assert services.totals(zj_admin, figures["sx"], DAY, DAY)["events"] == 7
    rows = services.comparison(zj_admin, figures["zj"], DAY, DAY)
    assert [(r["library"].code, r["events"]) for r in rows] == [("330600", 7), ("330100", 3)]


def test_provincial_admin_cannot_see_figures_of_another_province(figures):
    zj_admin = admin_of(figures["zj"])
    for call in (services.totals, services.comparison, services.trend, services.heatmap):
        with pytest.raises(PermissionDenied):
            call(zj_admin, figures["gs"], DAY, DAY)
    with pytest.raises(PermissionDenied):
        services.totals(zj_admin, figures["nlc"], DAY, DAY)


def test_city_admin_cannot_see_their_province(figures):
    with pytest.raises(PermissionDenied):
        services.totals(admin_of(figures["sx"]), figures["zj"], DAY, DAY)


def test_national_admin_sees_every_province(figures):
    nlc_admin = admin_of(figures["nlc"])
    rows = services.comparison(nlc_admin, figures["nlc"], DAY, DAY)
    assert {r["library"].code: r["events"] for r in rows} == {"330000": 10, "620000": 7}


def test_dashboard_page_of_another_province_is_forbidden(client, figures):
    client.login(username=admin_of(figures["zj"]).username, password=PASSWORD)
    assert client.get("/stats/620000/", PERIOD).status_code == 403
    assert client.get("/stats/620000/export.xlsx", PERIOD).status_code == 403
    assert client.get("/stats/330000/", PERIOD).status_code == 200


def test_a_reader_without_a_staff_role_sees_no_figures(client, figures):
    reader = user()
    client.login(username=reader.username, password=PASSWORD)
    assert client.get("/stats/").status_code == 403
    assert client.get("/stats/330681/").status_code == 403


def test_figures_api_is_scoped_by_bearer_token(client, figures):
    token = issue_api_token(admin_of(figures["zj"]), "dash")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    ok = client.get("/api/v1/stats/330000/totals", PERIOD, **auth)
    assert ok.status_code == 200 and ok.json()["events"] == 10
    denied = client.get("/api/v1/stats/620000/totals", PERIOD, **auth)
    assert denied.status_code == 403
    assert client.get("/api/v1/stats/330000/totals", PERIOD).status_code == 401


def test_a_bad_period_names_the_field(client, figures):
    token = issue_api_token(admin_of(figures["zj"]), "dash")
    response = client.get(
        "/api/v1/stats/330000/trend",
        {"begin": "2026-07-01", "end": "2026-06-01"},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "begin"
    bad = client.get(
        "/api/v1/stats/330000/trend", {"end": "June"}, HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "end"
