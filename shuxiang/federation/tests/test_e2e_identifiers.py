"""Identifiers along the tree on three real nodes (national → Zhejiang → Hangzhou).

The national center delegates ``zj`` to the province, the province delegates ``zjhz`` to the
city (whose library takes the prefix ``zjhz``); each registers an identifier; the reports go
up over the signed channel (the city's through the province), and the national resolver
answers both over HTTP — redirect and Handle-style JSON — and the tombstone once the city
withdraws. Registration outside a delegation is refused at the child, and a report outside
it at the root.
"""

from __future__ import annotations

import json
import time

import pytest
import requests

pytestmark = pytest.mark.django_db(transaction=True)

DELEGATIONS = """
from shuxiang.federation.models import PrefixDelegation
print(json.dumps(sorted(PrefixDelegation.objects.values_list("prefix", "direction"))))
"""
REGISTER = """
from shuxiang.core.actors import SYSTEM
from shuxiang.identifiers import services
from shuxiang.network.models import Library
found = services.register_for_resource(
    library=Library.objects.get(code={code!r}), location={location!r},
    metadata={{"title": {title!r}, "creator": "袁康"}}, rights="公有领域", fingerprint=None,
    suffix={suffix!r}, by=SYSTEM,
)
print(found.name)
"""
TRY_REGISTER = """
from shuxiang.core.errors import ServiceError
try:
{body}
except ServiceError as exc:
    print(json.dumps([e.as_dict() for e in exc.errors]))
"""
FOREIGN_REPORT = """
from shuxiang.federation.models import Node
from shuxiang.federation.signing import peer_session
from shuxiang.federation import pid_reports
parent = Node.parent()
item = {{**pid_reports.state_of({name!r}), "name": "sx.gs/elsewhere"}}
url = parent.base_url + pid_reports.REPORT_PATH
answer = peer_session(parent).post(url, json={{"items": [item]}})
print(json.dumps({{"status": answer.status_code, "body": answer.json()}}))
"""


def wait_for(check, seconds: float = 30):
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.2)


def shell(node, code: str) -> str:
    return node.run("import json\n" + code).strip().splitlines()[-1]


@pytest.fixture(scope="module")
def tree(cluster):
    """Prefixes delegated down the tree and one identifier registered at each child."""
    national, province, city = cluster.national, cluster.province, cluster.city
    national.cli("federation", "delegate", "zj", "--node", province.url)
    assert wait_for(lambda: ["zj", "received"] in json.loads(shell(province, DELEGATIONS)))
    province.cli("federation", "delegate", "zjhz", "--node", city.url)
    assert wait_for(lambda: ["zjhz", "received"] in json.loads(shell(city, DELEGATIONS)))
    city.run(
        "from shuxiang.core.actors import SYSTEM\nfrom shuxiang.identifiers import services\n"
        "from shuxiang.network.models import Library\n"
        "services.set_prefix(Library.objects.get(code='HZLIB'), 'zjhz', by=SYSTEM)"
    )
    names = {
        "province": shell(province, REGISTER.format(
            code="ZJLIB", location="https://zjlib.example.org/yuejue", title="越绝书",
            suffix="yuejue")),
        "city": shell(city, REGISTER.format(
            code="HZLIB", location="https://hzlib.example.org/wulin", title="武林旧事",
            suffix="wulin")),
    }  # fmt: skip
    return cluster, names


def resolve(node, name: str, **headers) -> requests.Response:
    return requests.get(f"{node.url}/id/{name}", headers=headers, allow_redirects=False, timeout=30)


def test_the_root_redirects_to_where_each_child_serves_its_identifier(tree):
    cluster, names = tree
    assert names == {"province": "sx.zjlib/yuejue", "city": "sx.zjhz/wulin"}
    for name, where in [
        (names["province"], "https://zjlib.example.org/yuejue"),
        (names["city"], "https://hzlib.example.org/wulin"),
    ]:
        answer = wait_for(lambda n=name: resolve(cluster.national, n).status_code == 302)
        assert answer, f"{name} did not resolve at the root"
        assert resolve(cluster.national, name).headers["Location"] == where


def test_the_root_answers_the_handle_style_json_of_a_city_identifier(tree):
    cluster, names = tree
    wait_for(lambda: resolve(cluster.national, names["city"]).status_code == 302)
    answer = resolve(cluster.national, names["city"], Accept="application/json")
    doc = answer.json()
    assert answer.status_code == 200 and doc["responseCode"] == 1
    assert doc["handle"] == "sx.zjhz/wulin"
    values = {v["type"]: v["data"]["value"] for v in doc["values"]}
    assert values["URL"] == "https://hzlib.example.org/wulin"
    assert values["TITLE"] == "武林旧事" and values["OWNER"] == "HZLIB"
    at_city = resolve(cluster.city, names["city"], Accept="application/json")
    assert answer.headers["ETag"] == at_city.headers["ETag"]  # the owner's record, unchanged


def test_a_child_refuses_to_register_outside_its_delegation(tree):
    cluster, _names = tree
    body = "    " + REGISTER.format(
        code="ZJLIB", location="https://x.example.org/1", title="甲", suffix="x1"
    ).strip().replace("\n", "\n    ")
    setup = (
        "from shuxiang.identifiers.models import Prefix\n"
        "Prefix.objects.filter(library__code='ZJLIB').update(value='gs')\n"
    )
    errors = shell(cluster.province, setup + TRY_REGISTER.format(body=body))
    cluster.province.run(
        "from shuxiang.identifiers.models import Prefix\n"
        "Prefix.objects.filter(library__code='ZJLIB').update(value='zjlib')"
    )
    assert json.loads(errors)[0]["code"] == "not_delegated"


def test_the_root_refuses_a_report_outside_the_reporting_nodes_delegation(tree):
    cluster, names = tree
    answer = json.loads(shell(cluster.province, FOREIGN_REPORT.format(name=names["province"])))
    assert answer["status"] == 403
    assert answer["body"]["errors"][0]["field"] == "items[0].name"
    assert answer["body"]["errors"][0]["code"] == "not_delegated"
    assert resolve(cluster.national, "sx.gs/elsewhere").status_code == 404


UNREPORTED = """
from django.db import transaction
from shuxiang.federation.models import IdentifierOutbox
with transaction.atomic():  # registered, but its report is not sent (as while queued)
{body}
    IdentifierOutbox.objects.all().delete()
"""
REPORTED_AT_ROOT = """
from shuxiang.federation.models import RemoteIdentifier
row = RemoteIdentifier.objects.filter(name={name!r}).first()
print(json.dumps(row and [row.status, row.reported_at is not None, row.expires is not None]))
"""


def test_an_unreported_city_identifier_is_asked_down_the_tree_and_cached(tree):
    cluster, _names = tree
    name = "sx.zjhz/late"
    body = "    " + REGISTER.format(
        code="HZLIB", location="https://hzlib.example.org/late", title="梦粱录", suffix="late"
    ).strip().replace("\n", "\n    ")
    cluster.city.run(UNREPORTED.format(body=body))
    answer = resolve(cluster.national, name)
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/late")
    cached = json.loads(shell(cluster.national, REPORTED_AT_ROOT.format(name=name)))
    assert cached == ["active", False, True]  # a looked-up answer, kept for a while
    cluster.city.run(
        "from django.db import transaction\nfrom shuxiang.federation import pid_reports\n"
        f"with transaction.atomic():\n    pid_reports.queue([{name!r}])"
    )

    def reported() -> bool:
        found = shell(cluster.national, REPORTED_AT_ROOT.format(name=name))
        return json.loads(found) == ["active", True, False]

    assert wait_for(reported)  # the report replaced it


def test_a_withdrawal_at_the_city_shows_the_tombstone_at_the_root(tree):
    cluster, names = tree
    name = names["city"]
    wait_for(lambda: resolve(cluster.national, name).status_code == 302)
    cluster.city.run(
        "from shuxiang.core.actors import SYSTEM\nfrom shuxiang.identifiers import services\n"
        f"services.withdraw({name!r}, by=SYSTEM, reason='馆藏副本重复，已合并')"
    )
    assert wait_for(lambda: resolve(cluster.national, name).status_code == 410)
    page = resolve(cluster.national, name)
    assert "馆藏副本重复，已合并" in page.text and "武林旧事" in page.text
    doc = resolve(cluster.national, name, Accept="application/json").json()
    assert doc["responseCode"] == 200
    assert {"URL"}.isdisjoint(v["type"] for v in doc["values"])


def test_the_cli_lists_delegations_refuses_bad_ones_and_syncs_reports(tree):
    cluster, _names = tree
    listed = cluster.province.cli("federation", "delegations")
    assert "sx.zj\t<- " in listed and "sx.zjhz\t-> " in listed
    with pytest.raises(AssertionError) as refused:
        cluster.national.cli("federation", "delegate", "zjx", "--node", cluster.province.url)
    assert "prefix: " in str(refused.value)  # overlaps zj: the field and the reason
    synced = cluster.city.cli("federation", "sync", "--step", "identifiers")
    assert "identifiers\t0 identifier changes reported, 0 queued" in synced
