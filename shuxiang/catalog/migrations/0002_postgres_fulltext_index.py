"""A weighted GIN full-text index over Record.search_text, on PostgreSQL only."""

from django.db import migrations

VECTOR = (
    "(setweight(to_tsvector('simple'::regconfig, split_part(search_text, '|', 1)), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, split_part(search_text, '|', 2)), 'B') || "
    "setweight(to_tsvector('simple'::regconfig, split_part(search_text, '|', 3)), 'C') || "
    "setweight(to_tsvector('simple'::regconfig, split_part(search_text, '|', 4)), 'D'))"
)


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS catalog_record_fulltext ON catalog_record USING GIN ({VECTOR})"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalog_record_fulltext")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_warehouse_sources_records_works")]
    operations = [migrations.RunPython(create, drop)]
