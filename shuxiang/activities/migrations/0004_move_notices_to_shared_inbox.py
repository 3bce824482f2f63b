"""Campaigns' own inbox rows move into the shared inbox (accounts.Message, source "activities")."""

from django.db import migrations


def copy_to_shared_inbox(apps, schema_editor):
    old = apps.get_model("activities", "Notice")
    new = apps.get_model("accounts", "Message")
    new._meta.get_field("created_at").auto_now_add = False  # keep each message's own time
    batch = []
    for row in old.objects.order_by("pk").iterator(chunk_size=2000):
        batch.append(
            new(recipient_id=row.recipient_id, source="activities", title=row.title,
                body=row.body, link=row.link, created_at=row.created, read_at=row.read_at)  # fmt: skip
        )
        if len(batch) >= 2000:
            new.objects.bulk_create(batch)
            batch = []
    new.objects.bulk_create(batch)


def copy_back(apps, schema_editor):
    old = apps.get_model("activities", "Notice")
    new = apps.get_model("accounts", "Message")
    old.objects.bulk_create(
        old(recipient_id=m.recipient_id, title=m.title[:200], body=m.body, link=m.link,
            created=m.created_at, read_at=m.read_at)  # fmt: skip
        for m in new.objects.filter(source="activities").iterator()
    )
    new.objects.filter(source="activities").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_shared_inbox_messages"),
        ("activities", "0003_encrypt_entrant_name_and_birth_year"),
    ]

    operations = [
        migrations.RunPython(copy_to_shared_inbox, copy_back),
        migrations.DeleteModel(name="Notice"),
    ]
