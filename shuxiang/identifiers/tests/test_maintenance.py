"""Maintenance: location and metadata changes with queryable history, withdrawal, transfer."""

from __future__ import annotations

import pytest

from shuxiang.accounts.tests.factories import admin_of
from shuxiang.core.errors import Conflict, PermissionDenied, ValidationFailed
from shuxiang.core.models import AuditEvent
from shuxiang.identifiers import services
from shuxiang.identifiers.models import Identifier, ResolveEntry
from shuxiang.identifiers.tests.factories import registered


def test_history_records_who_when_and_what_changed(net):
    librarian = admin_of(net["sx"], username="sx_lib")
    identifier = registered(net["sx"], by=librarian)
    old = identifier.location
    services.update_location(identifier.name, location="https://mirror.example/new", by=librarian)
    services.update_location(
        identifier.name.upper(),
        location="https://mirror.example/new",
        metadata={"title": "新题名", "creator": "张三"},
        by=librarian,
    )
    events = services.history(identifier.name)
    assert [e["action"] for e in events] == ["register", "update", "update"]
    assert events[0]["actor"] == "sx_lib"
    assert events[1]["changes"] == {"location": [old, "https://mirror.example/new"]}
    assert events[2]["changes"]["metadata"][1]["title"] == "新题名"
    assert "location" not in events[2]["changes"]
    assert all(e["at"] is not None for e in events)
    assert AuditEvent.objects.filter(action="identifiers.update").count() == 2


def test_resolve_row_follows_every_change_in_the_same_transaction(net):
    identifier = registered(net["sx"])
    before = ResolveEntry.objects.get(name=identifier.name)
    services.update_location(
        identifier.name, location="https://b.example/1", by=admin_of(net["sx"])
    )
    after = ResolveEntry.objects.get(name=identifier.name)
    assert after.target == "https://b.example/1"
    assert after.etag != before.etag


def test_withdraw_needs_a_reason_and_leaves_a_tombstone_row(net):
    identifier = registered(net["sx"])
    with pytest.raises(ValidationFailed):
        services.withdraw(identifier.name, by=admin_of(net["sx"]), reason="")
    services.withdraw(identifier.name, by=admin_of(net["sx"]), reason="原件下架")
    assert ResolveEntry.objects.get(name=identifier.name).status == "withdrawn"
    with pytest.raises(Conflict):
        services.update_location(
            identifier.name, location="https://x.example/", by=admin_of(net["sx"])
        )


def test_withdrawn_fingerprint_may_be_registered_again(net):
    first = registered(net["sx"], fingerprint="a" * 64)
    services.withdraw(first.name, by=admin_of(net["sx"]), reason="重做")
    second = registered(net["hz"], fingerprint="a" * 64)
    assert second.name != first.name


def test_transfer_moves_ownership_and_is_in_the_history(net):
    identifier = registered(net["sx"])
    services.transfer(identifier.name, to=net["hz"], by=admin_of(net["zj"]))
    identifier.refresh_from_db()
    assert identifier.library == net["hz"]
    assert services.history(identifier.name)[-1]["changes"] == {"library": ["330600", "330100"]}


def test_transfer_needs_rights_over_both_libraries(net):
    identifier = registered(net["sx"])
    with pytest.raises(PermissionDenied):
        services.transfer(identifier.name, to=net["hz"], by=admin_of(net["sx"]))


def test_mirrors_are_extra_locations(net):
    identifier = registered(net["sx"])
    services.set_mirrors(
        identifier.name,
        mirrors=[{"url": "https://gs.example/copy", "node": "620000"}],
        by=admin_of(net["sx"]),
    )
    identifier.refresh_from_db()
    assert [loc["url"] for loc in identifier.locations][1:] == ["https://gs.example/copy"]


def test_a_bad_mirror_url_names_its_position(net):
    identifier = registered(net["sx"])
    with pytest.raises(ValidationFailed) as caught:
        services.set_mirrors(identifier.name, mirrors=[{"url": "x"}], by=admin_of(net["sx"]))
    assert caught.value.errors[0].field == "mirrors[0].url"


def test_update_of_unknown_identifier_is_not_found(net):
    from shuxiang.core.errors import NotFound

    with pytest.raises(NotFound):
        services.update_location(
            "sx.330600/nope", location="https://x.example/", by=admin_of(net["sx"])
        )
    assert Identifier.objects.count() == 0


def test_new_metadata_updates_the_duplicate_key(net):
    from shuxiang.identifiers.dedupe import metadata_key

    identifier = registered(net["sx"])
    services.update_location(
        identifier.name,
        location=identifier.location,
        metadata={"title": "會稽掇英總集"},
        by=admin_of(net["sx"]),
    )
    identifier.refresh_from_db()
    assert identifier.metadata_key == metadata_key({"title": "会稽掇英总集"})


@pytest.mark.django_db(transaction=True)
def test_checking_a_new_location_holds_no_transaction_or_lock_while_waiting():
    """The check's HTTP requests happen before the transaction: no row is locked meanwhile."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from django.db import connections

    from shuxiang.network.tests.factories import small_network

    net = small_network()
    librarian = admin_of(net["sx"], username="sx_lib")
    identifier = registered(net["sx"], by=librarian)
    caller, seen = connections["default"], []  # this thread's connection, read by the server

    class Handler(BaseHTTPRequestHandler):
        def do_HEAD(self):
            seen.append(caller.in_atomic_block)
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/ok/new"
        services.update_location(identifier.name, location=url, by=librarian, check=True)
    finally:
        server.shutdown()
        server.server_close()
    assert seen == [False]
    assert Identifier.objects.get(pk=identifier.pk).location == url


def test_an_unanswering_new_location_is_refused_before_anything_changes(net, served):
    librarian = admin_of(net["sx"], username="sx_lib")
    identifier = registered(net["sx"], by=librarian)
    with pytest.raises(ValidationFailed) as refused:
        services.update_location(
            identifier.name, location=f"{served}/gone", by=librarian, check=True
        )
    assert refused.value.errors[0].field == "location"
    assert Identifier.objects.get(pk=identifier.pk).version == identifier.version
