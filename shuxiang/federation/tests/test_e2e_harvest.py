"""End to end: metadata flows up city → province → national over the signed peer endpoint.

Real nodes (the session's ``cluster``): a resource published at the city is harvested by the
province and then by the national node (``shuxiang federation sync``); national search finds
it, links to its page at the city node and shows the city library as holder; the same book
held at the province and the city is one work with both holdings; a withdrawal at the city
becomes a tombstone at the root.
"""

from __future__ import annotations

import json

import pytest
import requests

pytestmark = pytest.mark.live
PUBLISH = """
from shuxiang.network.models import Library
from shuxiang.resources.models import Collection
from shuxiang.resources.tests.helpers import published
library = Library.objects.get(code={code!r})
collection, _ = Collection.objects.get_or_create(
    library=library, code="local", defaults={{"name": "地方文献", "kind": "independent"}})
resource = published(collection, title={title!r}, creator="杭州图书馆")
print(resource.pk)
"""
WITHDRAW = """
from shuxiang.core.actors import SYSTEM
from shuxiang.resources import services
from shuxiang.resources.models import Resource
services.withdraw(Resource.objects.get(pk={pk}), by=SYSTEM, reason="撤回")
"""


def holdings(hit: dict) -> list[dict]:
    """The hit's record and its other holdings (the list repeats the hit's own record)."""
    return list({r["id"]: r for r in [hit["record"], *hit["holdings"]]}.values())


def search(node, q: str) -> dict:
    response = requests.get(
        node.url + "/api/v1/catalog/search", params={"q": q},
        headers={"Authorization": f"Bearer {node.token}"}, timeout=60,
    )  # fmt: skip
    assert response.status_code == 200, response.text
    return response.json()


def sync_up(cluster) -> None:
    """The province harvests the city, then the national node the province."""
    for node in (cluster.province, cluster.national):
        out = node.cli("federation", "sync")
        assert "harvest" in out and "error" not in out, out


@pytest.fixture(scope="module")
def harvested(cluster):
    city_pk = int(
        cluster.city.run(PUBLISH.format(code="HZLIB", title="良渚古城遗址图录")).split()[-1]
    )
    cluster.province.run(PUBLISH.format(code="ZJLIB", title="良渚古城遗址图录"))
    sync_up(cluster)
    return city_pk


STORED = (
    "import json; from shuxiang.catalog.models import Record\n"
    "print(json.dumps(list(Record.objects.filter(title='良渚古城遗址图录').values_list("
    "'holding_node', 'deleted', 'access_policy'))))"
)


def test_each_tier_stores_the_records_below_it(cluster, harvested):
    def stored(node):
        return sorted(map(tuple, json.loads(node.run(STORED).strip().splitlines()[-1])))

    assert stored(cluster.province) == [("", False, "public"), (cluster.city.url, False, "public")]
    assert stored(cluster.national) == sorted(
        [(cluster.city.url, False, "public"), (cluster.province.url, False, "public")]
    )


def test_national_search_finds_a_city_record_and_links_to_the_city_node(cluster, harvested):
    found = search(cluster.national, "良渚古城")
    assert found["total"] >= 1
    at_city = [r for r in holdings(found["hits"][0]) if r["holding_node"] == cluster.city.url]
    assert len(at_city) == 1
    page = at_city[0]["holding_url"]
    assert page == f"{cluster.city.url}/resources/{harvested}/"
    assert requests.get(page, timeout=60).status_code == 200
    html = requests.get(cluster.national.url + "/search", params={"q": "良渚古城"}, timeout=60).text
    # the page links the top hit to its page at a holding node (the city's or the province's)
    assert f'href="{cluster.city.url}/resources/' in html or (
        f'href="{cluster.province.url}/resources/' in html
    )


def test_the_same_book_at_two_nodes_is_one_work_with_both_holdings(cluster, harvested):
    hit = search(cluster.national, "良渚古城")["hits"][0]
    records = holdings(hit)
    assert {r["holding_node"] for r in records} == {cluster.city.url, cluster.province.url}
    assert len({r["work"] for r in records}) == 1


TREE_AND_HOLDER = (
    "import json; from shuxiang.catalog.models import Record\n"
    "from shuxiang.federation.models import HostedLibrary\n"
    "hz = HostedLibrary.objects.select_related('library', 'node').get(library__code='HZLIB')\n"
    "held = Record.objects.filter(title='良渚古城遗址图录', holding_node={city!r})\n"
    "print(json.dumps([hz.library.node, hz.node.base_url, hz.library.parent.code,\n"
    "                  sorted({{r.library.code if r.library_id else '' for r in held}})]))"
)


def test_the_root_knows_the_city_library_and_relayed_records_keep_it(cluster, harvested):
    """The city joined the province after the province joined the root: its library is relayed
    up (hosted by the city, reached through the province), so the record keeps its holder."""
    out = cluster.national.run(TREE_AND_HOLDER.format(city=cluster.city.url))
    host, through, parent, holders = json.loads(out.strip().splitlines()[-1])
    assert (host, through, parent) == (cluster.city.name, cluster.province.url, "ZJLIB")
    assert holders == ["HZLIB"]


def test_a_withdrawal_at_the_city_reaches_the_root(cluster, harvested):
    cluster.city.run(WITHDRAW.format(pk=harvested))
    sync_up(cluster)
    hit = search(cluster.national, "良渚古城")["hits"][0]
    records = holdings(hit)
    assert [r["holding_node"] for r in records] == [cluster.province.url]
    code = (
        "import json; from shuxiang.catalog.models import Record\n"
        "print(json.dumps(list(Record.objects.filter(holding_node={url!r},"
        " title='良渚古城遗址图录').values_list('deleted', flat=True))))"
    )
    out = cluster.national.run(code.format(url=cluster.city.url))
    assert json.loads(out.strip().splitlines()[-1]) == [True]
