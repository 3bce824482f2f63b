"""The clear card number column goes; one card number per library is now unique by its hash."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_reader_card_number_encrypted")]

    operations = [
        migrations.RemoveConstraint(model_name="readercard", name="unique_card_per_library"),
        migrations.RemoveField(model_name="readercard", name="number"),
        migrations.AddConstraint(
            model_name="readercard",
            constraint=models.UniqueConstraint(
                fields=("library", "number_hash"), name="unique_card_hash_per_library"
            ),
        ),
    ]
