"""Every harvested record writes every index of its table, so the ones no query uses go:
``isbn`` (records are clustered by work key, never looked up by ISBN: its btree and, on
PostgreSQL, its pattern-ops twin) and the plain btree of ``title_folded`` (title suggestions
ask for a prefix, which on PostgreSQL only the pattern-ops index serves). That index stays,
renamed ``record_title_prefix``; on SQLite the plain index is it, under the new name."""

from django.db import migrations, models

TITLE = "catalog_record_title_folded_640821b5"
ISBN = "catalog_record_isbn_195f67d7"
PREFIX = "record_title_prefix"


def forwards(apps, schema_editor):
    run = schema_editor.execute
    run(f'DROP INDEX IF EXISTS "{ISBN}"')
    if schema_editor.connection.vendor == "postgresql":
        run(f'DROP INDEX IF EXISTS "{ISBN}_like"')
        run(f'DROP INDEX IF EXISTS "{TITLE}"')
        run(f'ALTER INDEX IF EXISTS "{TITLE}_like" RENAME TO "{PREFIX}"')
    else:
        run(f'DROP INDEX IF EXISTS "{TITLE}"')
        run(f'CREATE INDEX "{PREFIX}" ON "catalog_record" ("title_folded")')


def backwards(apps, schema_editor):
    run = schema_editor.execute
    run(f'CREATE INDEX "{ISBN}" ON "catalog_record" ("isbn")')
    run(f'CREATE INDEX "{TITLE}" ON "catalog_record" ("title_folded")')
    if schema_editor.connection.vendor == "postgresql":
        run(f'CREATE INDEX "{ISBN}_like" ON "catalog_record" ("isbn" varchar_pattern_ops)')
        run(f'ALTER INDEX "{PREFIX}" RENAME TO "{TITLE}_like"')
    else:
        run(f'DROP INDEX "{PREFIX}"')


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0008_postgres_fulltext_indexes_skip_unindexed_records"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RunPython(forwards, backwards)],
            state_operations=[
                migrations.AlterField(
                    model_name="record",
                    name="isbn",
                    field=models.CharField(blank=True, max_length=13),
                ),
                migrations.AlterField(
                    model_name="record",
                    name="title_folded",
                    field=models.CharField(blank=True, max_length=200),
                ),
                migrations.AddIndex(
                    model_name="record",
                    index=models.Index(
                        fields=["title_folded"],
                        name="record_title_prefix",
                        opclasses=["varchar_pattern_ops"],
                    ),
                ),
            ],
        ),
    ]
