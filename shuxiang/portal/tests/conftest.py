"""Fixtures for portal tests: the small network, staff and readers."""

import pytest

from shuxiang.accounts.models import StaffRole
from shuxiang.accounts.tests.factories import admin_of, user
from shuxiang.network.tests.factories import small_network


@pytest.fixture
def net(db):
    network = small_network()
    network["sx"].domains.create(host="sx.example.org")
    network["sx"].branding = {"primary_color": "#1a5fb4", "slogan": "书香绍兴"}
    network["sx"].site_path = "shaoxing"
    network["sx"].save()
    return network


@pytest.fixture
def nlc_admin(net):
    return admin_of(net["nlc"])


@pytest.fixture
def sx_librarian(net):
    person = user("sx-librarian")
    StaffRole.objects.create(user=person, library=net["sx"], role=StaffRole.Role.LIBRARIAN)
    return person


@pytest.fixture
def reader(db):
    return user("reader")
