"""Test setup shared by every app (the data folder is set in shuxiang/core/pytest_env.py)."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database holds the bundled GB/T 2260 divisions for every test."""
    from shuxiang.network.divisions import load_divisions

    with django_db_blocker.unblock():
        load_divisions(progress=False)


@pytest.fixture(autouse=True)
def _divisions_after_flush(request, django_db_blocker):
    """Transactional and live-server tests flush every table; put the divisions back first."""
    marker = request.node.get_closest_marker("django_db")
    transactional = bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(request.fixturenames)
    )
    if transactional:
        from shuxiang.network.divisions import load_divisions
        from shuxiang.network.models import Division

        with django_db_blocker.unblock():
            if not Division.objects.exists():
                load_divisions(progress=False)
    yield


@pytest.fixture(autouse=True)
def _usage_events_stay_in_the_test(settings, tmp_path):
    """Usage events go to a per-test store and are flushed only when a test asks."""
    from shuxiang.stats import backends, demo, events

    demo.DEMO_EVENTS = 3000  # the demo's year of usage, thinned for tests
    events.COLLECTOR.interval = 0
    events.COLLECTOR.discard()
    if settings.STATS_BACKEND.endswith("ParquetBackend"):
        from shuxiang.stats.backends.duckdb import ParquetBackend

        backends.reset_backend(ParquetBackend(tmp_path / "stats-events"))
    else:
        backends.reset_backend()
    yield
    events.COLLECTOR.stop()
    events.COLLECTOR.discard()


@pytest.fixture(autouse=True)
def _analytics_lists_read_afresh():
    """Recommendation lists kept in the cache (Redis outlives test databases) are not reused."""
    from django.core.cache import cache

    from shuxiang.analytics import serving

    cache.delete("analytics:root")
    serving.forget_popular()


@pytest.fixture(autouse=True)
def _own_login_lockout_keys(settings):
    """Each test counts failed logins under its own keys (Redis outlives test databases)."""
    import uuid

    settings.LOGIN_LOCKOUT_KEY_PREFIX = f"test:{uuid.uuid4().hex}:login:"
    yield


@pytest.fixture(scope="session")
def cluster(tmp_path_factory, django_db_blocker):
    """National, province and city nodes: real ``shuxiang serve`` processes, joined, approved.

    See ``federation/tests/cluster.py``. Started once per session (federation and package tests
    share it); stopped at its end.
    """
    from django.conf import settings as django_settings
    from django.db import connection

    from shuxiang.federation.tests.cluster import Cluster

    pg = None
    if django_settings.SERVER_MODE:
        with django_db_blocker.unblock():
            pg = dict(connection.settings_dict)
    started = Cluster(
        tmp_path_factory.mktemp("federation"), pg, os.environ.get("SHUXIANG_REDIS_URL", "")
    )
    try:
        started.start()
    except BaseException:
        for node in started.nodes:
            print(f"--- {node.role} serve log ---\n{node.log()[-3000:]}")
        started.stop()
        raise
    yield started
    started.stop()
