"""Reader card numbers become personal data: encrypted, with a keyed hash for look-ups.

Existing numbers are brought to their normal form (NFKC, no spaces, upper-case) and converted;
going back decrypts them into the clear column again. Two cards of one library whose numbers
only differed in spelling would collide on the new unique hash: the migration stops and names
them instead of dropping either.
"""

from django.db import migrations, models


def encrypt_numbers(apps, schema_editor):
    from shuxiang.accounts import person_ids, pii

    ReaderCard = apps.get_model("accounts", "ReaderCard")
    seen: dict[tuple[int, str], int] = {}
    for card in ReaderCard.objects.order_by("pk").iterator():
        number = person_ids.compact(card.number).upper()
        digest = pii.lookup_hash(number) or ""
        other = seen.setdefault((card.library_id, digest), card.pk)
        if other != card.pk:
            raise RuntimeError(
                f"reader cards {other} and {card.pk} of library {card.library_id} have the "
                "same number once normalised; merge or renumber one of them, then migrate again"
            )
        card.number_enc, card.number_hash = pii.encrypt(number), digest
        card.save(update_fields=["number_enc", "number_hash"])


def decrypt_numbers(apps, schema_editor):
    from shuxiang.accounts import pii

    ReaderCard = apps.get_model("accounts", "ReaderCard")
    for card in ReaderCard.objects.order_by("pk").iterator():
        card.number = pii.decrypt(card.number_enc)
        card.save(update_fields=["number"])


class Migration(migrations.Migration):
    dependencies = [("accounts", "0004_staff_totp_second_factor")]

    operations = [
        migrations.AddField(
            model_name="readercard",
            name="number_enc",
            field=models.TextField(blank=True, default="", verbose_name="card number (encrypted)"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="readercard",
            name="number_hash",
            field=models.CharField(db_index=True, default="", max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(encrypt_numbers, decrypt_numbers),
    ]
