"""PostgreSQL only: the shared summaries of broad queries (exact facets over every match) and
the index generation they belong to (see catalog/search/summaries.py). The table is unlogged:
it only holds what can be counted again. SQLite gets nothing."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE SEQUENCE IF NOT EXISTS catalog_search_generation")
    schema_editor.execute(
        "CREATE UNLOGGED TABLE IF NOT EXISTS catalog_search_summary ("
        "key varchar(64) PRIMARY KEY, generation bigint NOT NULL, payload jsonb NOT NULL, "
        "stored timestamptz NOT NULL DEFAULT now())"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP TABLE IF EXISTS catalog_search_summary")
        schema_editor.execute("DROP SEQUENCE IF EXISTS catalog_search_generation")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_postgres_rum_index")]
    operations = [migrations.RunPython(create, drop)]
