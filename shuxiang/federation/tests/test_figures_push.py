"""Figures flow up between two real nodes: signed pushes, exact totals, corrections, SIGKILL.

The national parent runs ``shuxiang serve``; the Zhejiang child pushes from real ``shuxiang``
processes over loopback HTTP, signed with its own key. Both nodes are embedded (each its own
SQLite database and data folder) on both legs; the parent's storage on PostgreSQL is covered
by ``test_figures_receive.py``.
"""

from __future__ import annotations

import os
import signal
from collections import Counter

import pytest
import requests

from shuxiang.federation.tests.figures_nodes import ZHEJIANG, land, pair, wait_for

FORGET_ACKNOWLEDGEMENTS = (
    "from shuxiang.federation.models import FiguresPushed\nFiguresPushed.objects.all().delete()"
)
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(scope="module")
def nodes(tmp_path_factory):
    parent, child = pair(tmp_path_factory.mktemp("figures"))
    land(child, ZHEJIANG, 6000, seed=3, days=150)
    land(parent, ["NLC"], 500, seed=4, days=150)
    yield parent, child
    parent.kill()


def _mirrored(figures: dict, codes=ZHEJIANG) -> dict:
    return {
        part: {k: v for k, v in rows.items() if k.split()[0] in codes}
        for part, rows in figures.items()
    }


def _tier_sums(figures: dict, code: str) -> Counter:
    return Counter({k.split()[1]: v for k, v in figures["subtree"].items() if k.split()[0] == code})


def test_unsigned_pushes_are_refused(nodes):
    parent, _child = nodes
    answer = requests.post(parent.url + "/federation/peer/rollups", json={}, timeout=30)
    assert answer.status_code == 401
    assert answer.json()["errors"][0]["field"] == "Signature"


def test_child_killed_mid_push_resumes_with_nothing_lost_or_duplicated(nodes):
    parent, child = nodes
    push = child.push(SHUXIANG_FEDERATION_FIGURES_BATCH_ROWS="60")
    try:
        wait_for(lambda: parent.count("stats_remoteday") >= 10, timeout=240)
        os.kill(push.pid, signal.SIGKILL)
    finally:
        push.wait()
    stored = parent.count("stats_remoteday")
    acknowledged = child.count("federation_figurespushed")
    total_days = child.count("stats_rollupday")
    assert 10 <= stored < total_days and acknowledged <= stored
    out, err = child.push().communicate(timeout=300)
    assert b"sent" in out, err.decode()[-2000:]
    assert parent.count("stats_remoteday") == total_days
    at_child, at_parent = child.figures(), parent.figures()
    assert _mirrored(at_parent) == _mirrored(at_child)
    national_own = Counter()
    for key, n in at_parent["own"].items():
        if key.startswith("NLC "):
            national_own[key.split()[1]] += n
    assert national_own and _tier_sums(at_parent, "NLC") == (
        _tier_sums(at_parent, "330000") + national_own
    )


def test_a_lost_acknowledgement_re_sends_without_counting_twice(nodes):
    parent, child = nodes
    before = parent.figures()
    child.python(FORGET_ACKNOWLEDGEMENTS)
    out, err = child.push().communicate(timeout=300)
    assert b"0 changed at the parent" in out, err.decode()[-2000:]
    assert parent.figures() == before


def test_late_events_replace_those_days_figures(nodes):
    parent, child = nodes
    before = parent.figures()
    land(child, ["330681"], 7, seed=9, first=(2026, 2, 3), days=1)  # two local days
    out, err = child.push().communicate(timeout=300)
    assert b"2 sent in 1 requests, 2 changed at the parent" in out, err.decode()[-2000:]
    after = parent.figures()
    for code in ("330681", "330000", "NLC"):
        gained = _tier_sums(after, code) - _tier_sums(before, code)
        assert sum(gained.values()) == 7 and set(gained) <= {"2026-02-03", "2026-02-04"}, code
    assert _mirrored(after) == _mirrored(child.figures())


def test_the_childs_libraries_join_the_parents_tree_and_comparison(nodes):
    parent, _child = nodes
    out = parent.python(
        "from datetime import date\n"
        "from shuxiang.core.actors import SYSTEM\n"
        "from shuxiang.network.models import Library\n"
        "from shuxiang.stats import services\n"
        "nlc = Library.objects.get(code='NLC')\n"
        "for lib in Library.objects.order_by('path'):\n"
        "    print('LIB', lib.code, lib.parent.code if lib.parent else '-', lib.node)\n"
        "for row in services.comparison(SYSTEM, nlc, date(2026, 1, 1), date(2026, 6, 30)):\n"
        "    print('ROW', row['library'].code, row['events'])\n"
    )
    libraries = [line.split()[1:] for line in out.splitlines() if line.startswith("LIB")]
    assert ["330681", "330600", "zhejiang"] in libraries
    assert ["330000", "NLC", "zhejiang"] in libraries
    rows = [line.split()[1:] for line in out.splitlines() if line.startswith("ROW")]
    figures = parent.figures()
    assert rows == [["330000", str(sum(_tier_sums(figures, "330000").values()))]]


def test_heartbeat_reaches_the_parent(nodes):
    parent, child = nodes
    out = child.python(
        "from shuxiang.federation.health import send_heartbeat; print('OUT', send_heartbeat())"
    )
    assert "330000" in out
    row = parent.rows("SELECT node, version, storage_bytes, queue_lag_seconds FROM stats_heartbeat")
    assert row[0][0] == "zhejiang" and row[0][2] > 0
