"""Prepared queries give what the ORM gives, with SQL built once (``shuxiang.core.prepared``)."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.db.models import F
from django.test import Client
from django.test.utils import CaptureQueriesContext

from shuxiang.accounts.tests.factories import admin_of, reader
from shuxiang.core.prepared import Prepared
from shuxiang.network.models import Library


@pytest.fixture
def net(db):
    from shuxiang.network.tests.factories import small_network

    return small_network()


def test_rows_and_annotations_match_the_orm(net):
    from shuxiang.network import scopes

    admin = admin_of(net["sx"], username="admin-sx")
    orm = list(
        Library.objects.filter(staff_roles__user_id=admin.pk)
        .annotate(held_role=F("staff_roles__role"))
        .order_by("depth", "code")
    )
    prepared = scopes._ROLES_OF.all(admin.pk)
    assert [(x.pk, x.code, x.path, x.held_role) for x in prepared] == [
        (x.pk, x.code, x.path, x.held_role) for x in orm
    ]
    assert prepared and prepared[0]._state.db == "default" and not prepared[0]._state.adding
    assert scopes._ROLES_OF.all(reader(net["sx"], username="r-1").pk) == []


def test_the_sql_is_built_once_and_values_change_per_call(net):
    by_code = Prepared(lambda code: Library.objects.filter(code=code), "\x00none")
    assert by_code.first("330600").pk == net["sx"].pk
    plan = by_code.plan()
    with CaptureQueriesContext(connection) as queries:
        assert by_code.first("330100").pk == net["hz"].pk
        assert by_code.first("999999") is None
    assert by_code.plan() is plan and len(queries) == 2


def test_a_sentinel_missing_from_the_parameters_is_refused(net):
    odd = Prepared(lambda code: Library.objects.filter(code="330600"), "\x00none")
    with pytest.raises(ValueError, match="must appear once"):
        odd.first("330600")


def test_sessions_and_users_read_with_prepared_queries_behave_as_before(net):
    """A signed-in reader's page knows them; an expired session or an inactive user is none."""
    from django.utils import timezone

    person = reader(net["sx"], username="reader-he")
    client = Client()
    client.force_login(person)
    assert client.get("/me/").status_code == 200
    person.is_active = False
    person.save(update_fields=["is_active"])
    assert client.get("/me/").status_code == 302  # to the login page
    person.is_active = True
    person.save(update_fields=["is_active"])
    client.force_login(person)
    assert client.get("/me/").status_code == 200
    Session.objects.update(expire_date=timezone.now() - timezone.timedelta(seconds=1))
    assert client.get("/me/").status_code == 302
