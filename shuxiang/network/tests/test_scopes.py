"""The scope seam: whom an actor may act for, read once per request, as one filter for any model.

Network: NLC → Zhejiang → Shaoxing → {Zhuji, Zhuji-A}; NLC → Gansu → Lanzhou → Yuzhong.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from shuxiang.accounts.models import StaffRole
from shuxiang.accounts.services import grant_staff_role, issue_api_token
from shuxiang.accounts.tests.factories import PASSWORD, reader, staff_of
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import PermissionDenied
from shuxiang.network import scopes
from shuxiang.network.models import Library
from shuxiang.network.scopes import Role
from shuxiang.network.tests.factories import library, small_network


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def net(db):
    network = small_network()
    # A sibling county whose code starts with Zhuji's: a prefix match on codes would leak.
    network["zhuji_a"] = library("330681A", "330600", Library.Level.TOWNSHIP)
    return network


def codes(queryset) -> set[str]:
    return set(queryset.values_list("code", flat=True))


def role_queries(context: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in context.captured_queries if "accounts_staffrole" in q["sql"]]


# Subtree semantics


def test_in_subtree_holds_the_library_and_everything_below_it(net):
    assert codes(Library.objects.filter(scopes.in_subtree("", net["sx"]))) == {
        "330600",
        "330681",
        "330681A",
    }
    assert codes(Library.objects.filter(scopes.in_subtree("", net["zhuji"]))) == {"330681"}


def test_in_subtree_of_several_libraries_is_their_union_and_none_is_nothing(net):
    both = scopes.in_subtree("", [net["zhuji"], net["lz"], net["sx"]])
    assert codes(Library.objects.filter(both)) == {
        "330600",
        "330681",
        "330681A",
        "620100",
        "620123",
    }
    assert not Library.objects.filter(scopes.in_subtree("", [])).exists()


def test_in_subtree_by_code_matches_in_subtree_by_library(net):
    for key in ("nlc", "zj", "sx", "zhuji", "gs"):
        by_library = codes(Library.objects.filter(scopes.in_subtree("", net[key])))
        by_code = codes(Library.objects.filter(scopes.in_subtree("", net[key].code)))
        assert by_code == by_library, key


def test_in_subtree_filters_any_model_through_its_library_field(net):
    zhuji_reader = reader(net["zhuji"])
    reader(net["yuzhong"])
    readers = type(zhuji_reader).objects.filter(scopes.in_subtree("home_library", net["zj"]))
    assert list(readers) == [zhuji_reader]
    roles = StaffRole.objects.filter(scopes.in_subtree("library", net["gs"]))
    staff_of(net["lz"])
    staff_of(net["sx"])
    assert codes(Library.objects.filter(pk__in=roles.values("library"))) == {"620100"}


# What each actor covers


def test_a_county_admin_acts_on_its_county_only_not_a_sibling_or_a_parent(net):
    admin = staff_of(net["zhuji"])
    assert scopes.covers(admin, net["zhuji"])
    for other in ("zhuji_a", "sx", "zj", "nlc", "yuzhong"):
        assert not scopes.covers(admin, net[other]), other
        with pytest.raises(PermissionDenied, match="outside that scope"):
            scopes.require(admin, net[other], "change")
    assert codes(Library.objects.filter(scopes.in_scope(admin))) == {"330681"}


def test_a_provincial_admin_covers_the_province_and_not_another(net):
    admin = staff_of(net["zj"])
    assert {lib.code for lib in scopes.libraries(admin)} == {"330000"}
    assert scopes.covers(admin, net["zhuji"]) and scopes.covers(admin, net["hz"])
    assert not scopes.covers(admin, net["gs"]) and not scopes.covers(admin, net["nlc"])
    assert codes(Library.objects.filter(scopes.in_scope(admin))) == {
        "330000",
        "330600",
        "330681",
        "330681A",
        "330100",
    }


def test_a_national_admin_covers_every_library(net):
    admin = staff_of(net["nlc"])
    assert all(scopes.covers(admin, lib) for lib in Library.objects.all())
    assert codes(Library.objects.filter(scopes.in_scope(admin))) == codes(Library.objects.all())


def test_a_librarian_is_staff_but_not_an_administrator(net):
    librarian = staff_of(net["sx"], Role.LIBRARIAN)
    assert scopes.covers(librarian, net["zhuji"], role=Role.LIBRARIAN)
    assert not scopes.covers(librarian, net["zhuji"])
    assert scopes.libraries(librarian) == []
    assert scopes.libraries(librarian, role=Role.LIBRARIAN) == [net["sx"]]
    with pytest.raises(PermissionDenied, match="no administrator role"):
        scopes.require(librarian, net["zhuji"], "change")
    scopes.require(librarian, net["zhuji"], "edit the site of", role=Role.LIBRARIAN)


def test_administrators_count_as_staff_and_each_library_is_listed_once(net):
    person = staff_of(net["zj"])
    StaffRole.objects.create(user=person, library=net["zj"], role=Role.LIBRARIAN)
    StaffRole.objects.create(user=person, library=net["lz"], role=Role.LIBRARIAN)
    assert scopes.libraries(person, role=Role.LIBRARIAN) == [net["zj"], net["lz"]]
    assert scopes.libraries(person) == [net["zj"]]


def test_readers_and_anonymous_visitors_cover_nothing(net):
    someone = reader(net["zhuji"])
    for actor in (someone, AnonymousUser(), None):
        assert scopes.libraries(actor, role=Role.LIBRARIAN) == []
        assert not scopes.covers(actor, net["zhuji"], role=Role.LIBRARIAN)
        assert not Library.objects.filter(scopes.in_scope(actor)).exists()
    with pytest.raises(PermissionDenied, match="Log in as an administrator"):
        scopes.require(AnonymousUser(), net["zhuji"], "change")
    with pytest.raises(PermissionDenied, match="no staff role"):
        scopes.require(someone, net["zhuji"], "edit the site of", role=Role.LIBRARIAN)


def test_the_system_and_superusers_cover_everything_even_inside_an_or(net):
    superuser = reader(net["zhuji"])
    superuser.is_superuser = True
    for actor in (SYSTEM, superuser):
        assert scopes.covers(actor, net["yuzhong"])
        scopes.require(actor, net["nlc"], "change")
        either = Q(code="nothing-has-this-code") | scopes.in_scope(actor)
        assert codes(Library.objects.filter(either)) == codes(Library.objects.all())


# Once per request


def test_roles_are_read_in_one_query_however_often_they_are_asked(net):
    admin = staff_of(net["zj"])
    with CaptureQueriesContext(connection) as context:
        for lib in net.values():
            scopes.covers(admin, lib)
            scopes.covers(admin, lib, role=Role.LIBRARIAN)
        scopes.libraries(admin)
        scopes.in_scope(admin, "library", role=Role.LIBRARIAN)
    assert len(context.captured_queries) == 1


def test_one_api_request_reads_the_roles_once(net, client):
    admin = staff_of(net["zj"])
    token = issue_api_token(admin, "scopes")
    with CaptureQueriesContext(connection) as context:
        response = client.get(
            "/api/v1/libraries?page_size=100", HTTP_AUTHORIZATION=f"Bearer {token}"
        )
    assert response.status_code == 200
    assert len(role_queries(context)) == 1


def test_one_page_with_several_checks_reads_the_roles_once(net, client):
    admin = staff_of(net["sx"])
    assert client.login(username=admin.username, password=PASSWORD)
    with CaptureQueriesContext(connection) as context:
        response = client.get("/network/330681/")
    assert response.status_code == 200
    assert len(role_queries(context)) == 1


def test_forget_reads_the_roles_again_after_a_grant(net):
    person = staff_of(net["zhuji"])
    assert not scopes.covers(person, net["gs"])
    grant_staff_role(person, net["gs"], Role.ADMIN, by=SYSTEM)
    assert scopes.covers(person, net["gs"])
