"""API tokens expire and end with their owner's password; login failures are stored.

Tokens issued before this migration have no expiry and no credentials marker, so they stop
working: their owners log in once more.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("accounts", "0006_reader_card_number_hash_unique")]

    operations = [
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(blank=True, db_index=True, null=True),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="credentials",
            field=models.CharField(blank=True, max_length=128),
        ),
        migrations.CreateModel(
            name="LoginFailure",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=160, unique=True)),
                ("count", models.PositiveIntegerField(default=0)),
                ("last_failed_at", models.DateTimeField()),
                ("expires_at", models.DateTimeField(db_index=True)),
            ],
        ),
    ]
