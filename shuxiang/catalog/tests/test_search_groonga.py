"""The Groonga backend's own schema: a database made by an earlier version keeps working."""

from __future__ import annotations

from shuxiang.catalog.search import base, service
from shuxiang.catalog.search.groonga_backend import GroongaBackend
from shuxiang.catalog.tests.factories import record


def test_a_database_made_before_the_facet_groups_is_grouped_on_first_use(groonga_engine, committed):
    """Combinations stored before ``Groups`` existed get their group when a process first
    meets the database, so the type, library, language and collection facets still count."""
    with committed():
        record("地方志", type="book", language="zh", collection="方志")
        record("Gazetteers", type="book", language="en", collection="方志")
        record("方志讲座", type="video", language="zh")
    groonga_engine.client.command("column_remove", table="Combos", name="group")
    groonga_engine.client.command("table_remove", name="Groups")  # as an earlier version made

    base.set_backend(GroongaBackend(groonga_engine.client.url))  # a process starting anew
    page = service.search(actor=None, q="")
    assert dict(page.facets["type"]) == {"book": 2, "video": 1}
    assert dict(page.facets["language"]) == {"zh": 2, "en": 1}
    assert dict(page.facets["collection"]) == {"方志": 2}
    narrowed = service.search(actor=None, q="", filters={"language": ["zh"]})
    assert dict(narrowed.facets["type"]) == {"book": 1, "video": 1}
