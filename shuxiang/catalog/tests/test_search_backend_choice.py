"""Which search backend a node uses when none is named: embedded tantivy, and in server mode
Groonga when its server is configured, else PostgreSQL full-text."""

import pytest

from shuxiang.catalog.search import base

SQLITE, POSTGRES = "django.db.backends.sqlite3", "django.db.backends.postgresql"


@pytest.mark.parametrize(
    "database, groonga_url, chosen",
    [
        (SQLITE, "", "tantivy"),
        (SQLITE, "http://127.0.0.1:10041", "tantivy"),  # embedded nodes keep their own index
        (POSTGRES, "", "postgres"),
        (POSTGRES, "http://search.internal:10041", "groonga"),
    ],
)
def test_the_mode_chooses_when_no_backend_is_named(monkeypatch, database, groonga_url, chosen):
    monkeypatch.delenv("SHUXIANG_SEARCH_BACKEND", raising=False)
    monkeypatch.setenv("SHUXIANG_GROONGA_URL", groonga_url)
    assert base.backend_path(database) == base.DEFAULT_BACKENDS[chosen]


def test_a_named_backend_wins(monkeypatch):
    monkeypatch.setenv("SHUXIANG_SEARCH_BACKEND", "postgres")
    monkeypatch.setenv("SHUXIANG_GROONGA_URL", "http://search.internal:10041")
    assert base.backend_path(POSTGRES) == base.DEFAULT_BACKENDS["postgres"]
