"""Catalog fixtures: a search backend per test (tantivy and Groonga always, PostgreSQL on
PostgreSQL)."""

from __future__ import annotations

import pytest

from shuxiang.catalog.search import base


@pytest.fixture(scope="session")
def groonga_url(tmp_path_factory):
    """One Groonga HTTP server for the whole test session (each test clears its table)."""
    from shuxiang.catalog.tests import groonga_server

    groonga_server.skip_without_groonga()
    process, url = groonga_server.start(tmp_path_factory.mktemp("groonga"))
    yield url
    groonga_server.stop(process)


def _make_backend(name: str, request, tmp_path):
    from django.db import connection

    if name == "groonga":
        from shuxiang.catalog.search.groonga_backend import GroongaBackend

        backend = GroongaBackend(request.getfixturevalue("groonga_url"))
        backend.clear()
        return backend
    if name == "postgres":
        if connection.vendor != "postgresql":
            pytest.skip("the PostgreSQL backend needs the PostgreSQL database (server mode)")
        from shuxiang.catalog.search.postgres_backend import PostgresBackend

        return PostgresBackend()
    from shuxiang.catalog.search.tantivy_backend import TantivyBackend

    return TantivyBackend(tmp_path / "index")


@pytest.fixture(params=["tantivy", "postgres", "groonga"])
def engine(request, tmp_path, db):
    """Each conformance test runs once per backend; records index on commit as in production."""
    backend = _make_backend(request.param, request, tmp_path)
    base.set_backend(backend)
    yield backend
    base.set_backend(None)


@pytest.fixture
def tantivy_engine(tmp_path, db):
    from shuxiang.catalog.search.tantivy_backend import TantivyBackend

    backend = TantivyBackend(tmp_path / "index")
    base.set_backend(backend)
    yield backend
    base.set_backend(None)


@pytest.fixture
def groonga_engine(request, tmp_path, db):
    backend = _make_backend("groonga", request, tmp_path)
    base.set_backend(backend)
    yield backend
    base.set_backend(None)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Use as ``with committed():`` so on-commit indexing runs inside a test transaction."""

    def run():
        return django_capture_on_commit_callbacks(execute=True)

    return run


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item, nextitem):
    """Transactional tests end with a flush: put the shared division codes back afterwards."""
    yield
    marker = item.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction") or nextitem is None:
        return  # (after the last test the session's database is already gone)
    from pytest_django.plugin import blocking_manager_key

    from shuxiang.network.divisions import load_divisions

    with item.config.stash[blocking_manager_key].unblock():
        load_divisions(progress=False)
