"""Fixtures for portal tests: the small network, staff and readers."""

import pytest

from shuxiang.accounts.models import StaffRole
from shuxiang.accounts.tests.factories import admin_of, user
from shuxiang.network.tests.factories import small_network


@pytest.fixture(autouse=True)
def fresh_caches():
    """Each test starts with no remembered sites and no cached home pages."""
    from django.core.cache import cache

    from shuxiang.portal.sites import forget_sites

    cache.clear()
    forget_sites()


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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Browser tests use a transactional database, emptied after each test; the divisions,
    loaded once for the whole run, are put back so later tests find them (none follow the
    last test, whose teardown has already dropped the session's database)."""
    yield
    if item.get_closest_marker("browser") is None or nextitem is None:
        return
    from pytest_django.plugin import blocking_manager_key

    from shuxiang.network.divisions import load_divisions

    with item.config.stash[blocking_manager_key].unblock():
        load_divisions(progress=False)


@pytest.fixture
def browser():
    """Debian's headless Chromium driven by Playwright (one per test)."""
    from pathlib import Path

    from playwright.sync_api import sync_playwright

    from shuxiang.portal.tests.browsing import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

    assert Path(CHROMIUM).exists(), "install Debian's chromium (scripts/setup-system)"
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
