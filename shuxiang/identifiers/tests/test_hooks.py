"""The seams other apps plug into: prefix guards, change listeners, remote lookups."""

from __future__ import annotations

import json

import pytest

from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import PermissionDenied
from shuxiang.identifiers import batch, hooks, records
from shuxiang.identifiers.models import Identifier
from shuxiang.identifiers.tests.factories import registered


@pytest.fixture
def plugged(monkeypatch):
    """Fresh hook lists for one test; the apps' own registrations come back afterwards."""
    seen: dict[str, list] = {"changed": [], "guarded": []}

    def guard(subprefix):
        seen["guarded"].append(subprefix)
        if subprefix.startswith("62"):
            raise PermissionDenied("delegated away")

    monkeypatch.setattr(hooks, "prefix_guards", [guard])
    monkeypatch.setattr(hooks, "change_listeners", [seen["changed"].extend])
    monkeypatch.setattr(hooks, "remote_lookups", [])
    return seen


def test_a_guard_refuses_naming_under_its_prefix(net, plugged):
    registered(net["zj"])
    with pytest.raises(PermissionDenied):
        registered(net["lz"])
    assert plugged["guarded"] == ["330000", "620100"]
    assert not Identifier.objects.filter(library=net["lz"]).exists()


def test_every_write_of_a_resolve_row_is_announced(net, plugged):
    from shuxiang.identifiers import services

    identifier = registered(net["zj"])
    services.withdraw(identifier.name, by=SYSTEM, reason="重复")
    assert plugged["changed"] == [identifier.name, identifier.name]


def test_a_batch_import_announces_its_names_and_refused_rows_fail_alone(net, plugged):
    rows = [
        {"location": "https://x.example.org/1", "title": "甲", "rights": "公有领域"},
        {
            "location": "https://x.example.org/2",
            "title": "乙",
            "rights": "公有领域",
            "library": "620100",
        },
    ]
    report = batch.import_rows(rows, library=net["zj"], by=SYSTEM, progress=False)
    assert report.created == 1 and report.failed == 1
    assert report.failures[0].row == 2
    names = list(Identifier.objects.values_list("name", flat=True))
    assert plugged["changed"] == names


def test_the_resolver_asks_the_remote_lookups_for_unknown_names(client, net, plugged):
    identifier = registered(net["zj"])
    body, etag = records.body_and_etag(identifier, "330100")
    data = json.loads(body)
    data.update(s="withdrawn", w="已撤销", u=[])
    row = ("withdrawn", "https://far.example.org/1", etag, json.dumps(data))
    hooks.remote_lookups.append(lambda name: row if name == "sx.3301/far" else None)
    page = client.get("/id/sx.3301/far")
    assert page.status_code == 410
    assert "已撤销" in page.content.decode()
    doc = client.get("/id/sx.3301/far", HTTP_ACCEPT="application/json").json()
    assert doc["responseCode"] == 200 and doc["handle"] == "sx.3301/far"
    assert client.get("/id/sx.3301/none").status_code == 404
