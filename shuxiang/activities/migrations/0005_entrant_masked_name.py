"""Entrants keep the public, masked form of the name (王*萌) beside the encrypted one.

Ranking and results pages show it without decrypting each name.
"""

from django.db import migrations, models


def mask_existing(apps, schema_editor):
    from shuxiang.accounts import pii
    from shuxiang.activities.models import mask

    Entrant = apps.get_model("activities", "Entrant")
    for entrant in Entrant.objects.exclude(name_enc="").iterator():
        entrant.name_masked = mask(pii.decrypt(entrant.name_enc))[:40]
        entrant.save(update_fields=["name_masked"])


class Migration(migrations.Migration):
    dependencies = [("activities", "0004_move_notices_to_shared_inbox")]

    operations = [
        migrations.AddField(
            model_name="entrant",
            name="name_masked",
            field=models.CharField(
                blank=True, help_text="The public form (王*萌), kept with the name.", max_length=40
            ),
        ),
        migrations.RunPython(mask_existing, migrations.RunPython.noop),
    ]
