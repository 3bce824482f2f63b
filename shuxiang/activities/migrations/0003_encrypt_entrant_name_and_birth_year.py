"""Entrants' given names and birth years move into encrypted columns (accounts.pii, AES-GCM)."""

from django.db import migrations, models


def encrypt_existing(apps, schema_editor):
    from shuxiang.accounts import pii

    Entrant = apps.get_model("activities", "Entrant")
    for entrant in Entrant.objects.all().iterator():
        entrant.name_enc = pii.encrypt(entrant.name or "")
        entrant.birth_year_enc = pii.encrypt(str(entrant.birth_year) if entrant.birth_year else "")
        entrant.save(update_fields=["name_enc", "birth_year_enc"])


def decrypt_existing(apps, schema_editor):
    from shuxiang.accounts import pii

    Entrant = apps.get_model("activities", "Entrant")
    for entrant in Entrant.objects.all().iterator():
        entrant.name = pii.decrypt(entrant.name_enc)[:40]
        year = pii.decrypt(entrant.birth_year_enc)
        entrant.birth_year = int(year) if year else None
        entrant.save(update_fields=["name", "birth_year"])


class Migration(migrations.Migration):
    dependencies = [("activities", "0002_campaign_judges")]

    operations = [
        migrations.AddField(
            model_name="entrant",
            name="name_enc",
            field=models.TextField(blank=True, help_text="Given name, encrypted (accounts.pii)."),
        ),
        migrations.AddField(
            model_name="entrant",
            name="birth_year_enc",
            field=models.TextField(blank=True, help_text="Birth year, encrypted."),
        ),
        migrations.RunPython(encrypt_existing, decrypt_existing),
        migrations.RemoveField(model_name="entrant", name="name"),
        migrations.RemoveField(model_name="entrant", name="birth_year"),
    ]
