"""A harvested record has no work until the index job clusters it, and that update writes
every index of the row anyway: the work index now holds clustered records only, so storing a
harvested page writes one btree entry fewer a record. Queries for a work's records (work = X)
and for clustered records (work IS NOT NULL) use the partial index."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0009_drop_unused_record_indexes"),
        ("network", "0001_libraries_divisions_ip_ranges"),
    ]

    operations = [
        migrations.AlterField(
            model_name="record",
            name="work",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="records",
                to="catalog.work",
            ),
        ),
        migrations.AddIndex(
            model_name="record",
            index=models.Index(
                condition=models.Q(("work__isnull", False)), fields=["work"], name="record_work"
            ),
        ),
    ]
