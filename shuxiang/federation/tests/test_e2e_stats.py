"""End to end: figures and heartbeats flow up city → province → national between real nodes.

Each node records its own usage events and rolls them up; ``shuxiang federation sync`` at the
city, then at the province, pushes the figures up over signed HTTP. At every tier the totals
are the sum of the children's own figures, day by day, and the root's monitoring page shows
the province's heartbeat.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest

pytestmark = pytest.mark.live

LAND = """
import random
from datetime import UTC, datetime, timedelta
from shuxiang.stats import events
from shuxiang.stats.rollup import run_rollup
rng = random.Random({seed})
start = datetime(2026, 9, 1, tzinfo=UTC)
kinds = ["page_view", "search", "item_view", "download", "play"]
for _ in range({n}):
    at = start + timedelta(minutes=rng.randrange(40 * 24 * 60))
    events.record(rng.choice(kinds), library={code!r}, reader=rng.randrange(200),
                  channel=rng.choice(["web", "mobile", "api"]), resource_type="ebook", at=at)
events.flush()
run_rollup()
"""

FIGURES = """
import json
from django.db.models import Sum
from shuxiang.stats.models import DailyRollup
rows = DailyRollup.objects.values_list("scope", "subtree", "day").annotate(n=Sum("events"))
out = {}
for scope, subtree, day, n in rows.order_by():
    out.setdefault(f"{scope} {'subtree' if subtree else 'own'}", {})[day.isoformat()] = n
print("JSON", json.dumps(out))
"""

PAGE = """
from django.test import Client
from django.contrib.auth import get_user_model
client = Client()
client.force_login(get_user_model().objects.get(username="admin"))
page = client.get("/stats/NLC/outages/", HTTP_ACCEPT_LANGUAGE="en", HTTP_HOST="127.0.0.1")
print("STATUS", page.status_code)
print(page.content.decode())
"""


def _figures(node) -> dict[str, Counter]:
    data = json.loads(node.run(FIGURES).split("JSON", 1)[1])
    return {key: Counter(days) for key, days in data.items()}


@pytest.fixture(scope="module")
def pushed(cluster):
    cluster.city.run(LAND.format(seed=11, n=1500, code="HZLIB"))
    cluster.province.run(LAND.format(seed=12, n=1000, code="ZJLIB"))
    cluster.national.run(LAND.format(seed=13, n=700, code="NLC"))
    city_out = cluster.city.cli("federation", "sync")
    province_out = cluster.province.cli("federation", "sync")
    return city_out, province_out


def test_sync_pushes_figures_and_heartbeats_up(pushed):
    city_out, province_out = pushed
    for out in (city_out, province_out):
        assert "\tfigures\t" in out and "changed at the parent" in out, out
        assert "\theartbeat\theartbeat stored at" in out, out


def _seeded(days: dict) -> int:
    """Events of the seeded weeks only: other e2e tests on the shared cluster add page views
    of today at any node (they still travel up and must match tier by tier)."""
    return sum(count for day, count in days.items() if day < "2026-11-01")


def test_totals_match_at_every_tier(cluster, pushed):
    city, province, national = (_figures(n) for n in cluster.nodes[::-1])
    hz_own = city["HZLIB own"]
    assert _seeded(hz_own) == 1500
    assert city["HZLIB subtree"] == hz_own
    assert province["HZLIB own"] == hz_own and province["HZLIB subtree"] == hz_own
    assert province["ZJLIB subtree"] == province["ZJLIB own"] + hz_own
    assert _seeded(province["ZJLIB own"]) == 1000
    for key in ("HZLIB own", "HZLIB subtree", "ZJLIB own", "ZJLIB subtree"):
        assert national[key] == province[key], key
    assert national["NLC subtree"] == national["NLC own"] + national["ZJLIB subtree"]
    assert _seeded(national["NLC subtree"]) == 700 + 1000 + 1500


def test_the_city_library_joins_the_root_tree_below_the_province(cluster, pushed):
    code = (
        "from shuxiang.network.models import Library\n"
        "lib = Library.objects.get(code='HZLIB')\n"
        "print(lib.parent.code, lib.node)"
    )
    assert cluster.national.run(code).split() == ["ZJLIB", "杭州市节点"]  # its real host


def test_a_second_sync_sends_nothing_new(cluster, pushed):
    before = _figures(cluster.national)
    out = cluster.province.cli("federation", "sync")
    assert "0 changed at the parent" in out, out
    assert _figures(cluster.national) == before


def test_heartbeats_are_visible_at_the_root(cluster, pushed):
    page = cluster.national.run(PAGE)
    assert "STATUS 200" in page
    assert "浙江省节点" in page and "浙江图书馆" in page
    beat = cluster.province.run(
        "from shuxiang.stats.models import Heartbeat\n"
        "for b in Heartbeat.objects.select_related('library'):\n"
        "    print(b.library.code, b.node, b.storage_bytes > 0)"
    )
    assert beat.split() == ["HZLIB", "杭州市节点", "True"]
