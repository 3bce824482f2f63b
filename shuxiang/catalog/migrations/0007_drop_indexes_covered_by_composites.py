"""Record.source and Record.datestamp lose their own indexes: the unique (source, local_id)
index and record_datestamp_id (datestamp, id) serve every lookup they served, and each index
is written by every harvested record. Dropped by name on both databases (on SQLite an
AlterField would copy the whole table twice)."""

import django.db.models.deletion
from django.db import migrations, models

INDEXES = {
    "catalog_record_datestamp_239a2d25": "datestamp",
    "catalog_record_source_id_d99c0532": "source_id",
}


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0006_postgres_search_summaries"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{name}"',
                    reverse_sql=f'CREATE INDEX "{name}" ON "catalog_record" ("{column}")',
                )
                for name, column in INDEXES.items()
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="record",
                    name="datestamp",
                    field=models.DateTimeField(),
                ),
                migrations.AlterField(
                    model_name="record",
                    name="source",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="records",
                        to="catalog.source",
                    ),
                ),
            ],
        ),
    ]
