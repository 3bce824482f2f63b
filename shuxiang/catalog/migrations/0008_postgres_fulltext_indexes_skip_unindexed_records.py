"""PostgreSQL only: the full-text indexes (GIN, and RUM where it is installed) leave out the
records that have no search text yet. A harvested record is stored with none (its text is
analysed later by the index job), and each index otherwise wrote an "empty" placeholder entry
for every such record: about a third of PostgreSQL's own cost of storing a harvested record
(issue #14). Every full-text query already asks for ``search_text <> ''`` (the backend's
``matching``), so the planner still reads matches, and RUM's rank order, from these indexes.
"""

from django.db import migrations

PARTIAL = "WHERE search_text <> ''"
INDEXES = {  # name → access method and operator class
    "catalog_record_fulltext": "GIN (search_vector)",
    "catalog_record_rum": "rum (search_vector rum_tsvector_ops)",
}


def _existing(schema_editor) -> list[str]:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'catalog_record' "
            "AND indexname = ANY(%s)",
            [list(INDEXES)],
        )
        return [row[0] for row in cursor.fetchall()]


def _remake(schema_editor, condition: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in _existing(schema_editor):  # RUM only where migration 0005 could make it
        schema_editor.execute(f'DROP INDEX "{name}"')
        schema_editor.execute(
            f'CREATE INDEX "{name}" ON catalog_record USING {INDEXES[name]} {condition}'
        )


def partial(apps, schema_editor):
    _remake(schema_editor, PARTIAL)


def whole(apps, schema_editor):
    _remake(schema_editor, "")


class Migration(migrations.Migration):
    dependencies = [("catalog", "0007_drop_indexes_covered_by_composites")]
    operations = [migrations.RunPython(partial, whole)]
