"""PostgreSQL only, and only where the RUM extension is installed (Debian's
postgresql-15-rum): a RUM index over the weighted tsvector, which returns matches in rank
order from the index itself, so a broad query's first page does not rank every match.
Without the extension nothing is made and the backend ranks with GIN as before."""

from django.db import migrations


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'rum'")
        if cursor.fetchone() is None:
            return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS rum")
    schema_editor.execute(
        "CREATE INDEX IF NOT EXISTS catalog_record_rum ON catalog_record "
        "USING rum (search_vector rum_tsvector_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS catalog_record_rum")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0004_harvest_holdings_and_index_batches")]
    operations = [migrations.RunPython(create, drop)]
