"""Courses' own inbox rows move into the shared inbox (accounts.Message, source "courses")."""

from django.db import migrations


def copy_to_shared_inbox(apps, schema_editor):
    old = apps.get_model("courses", "Notification")
    new = apps.get_model("accounts", "Message")
    new._meta.get_field("created_at").auto_now_add = False  # keep each message's own time
    batch = []
    for row in old.objects.order_by("pk").iterator(chunk_size=2000):
        batch.append(
            new(recipient_id=row.user_id, source="courses", title=row.title, link=row.url,
                created_at=row.created_at, read_at=row.read_at)  # fmt: skip
        )
        if len(batch) >= 2000:
            new.objects.bulk_create(batch)
            batch = []
    new.objects.bulk_create(batch)


def copy_back(apps, schema_editor):
    old = apps.get_model("courses", "Notification")
    new = apps.get_model("accounts", "Message")
    old.objects.bulk_create(
        old(user_id=m.recipient_id, title=m.title, url=m.link, created_at=m.created_at,
            read_at=m.read_at)  # fmt: skip
        for m in new.objects.filter(source="courses").iterator()
    )
    new.objects.filter(source="courses").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0010_shared_inbox_messages"),
        ("courses", "0001_courses_lectures_questions_and_keywords"),
    ]

    operations = [
        migrations.RunPython(copy_to_shared_inbox, copy_back),
        migrations.DeleteModel(name="Notification"),
    ]
