"""Fast multi-row INSERTs for the bulk import path (``executemany`` on the DB-API cursor).

Django's ``bulk_create`` builds a model instance and prepares every value through its field
for every row, and on SQLite splits inserts into ~45-row statements; for millions of rows that
dominates. Here the statement is built once per model from its fields and each row is a tuple:
JSON values go through their field (they differ per database), constant values (timestamps
of the batch) are prepared once, everything else is passed as is.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, models


def insert_many(model: type[models.Model], rows: Iterable[dict], constants: dict) -> int:
    """Insert ``rows`` (attname → value) into ``model``'s table; ``constants`` fill every row."""
    fields = [f for f in model._meta.concrete_fields if not isinstance(f, models.AutoField)]
    prepared = {
        name: model._meta.get_field(name).get_db_prep_save(value, connection)
        for name, value in constants.items()
    }
    json_fields = {f.attname: f for f in fields if isinstance(f, models.JSONField)}
    defaults = {f.attname: f.get_default() for f in fields}
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"
    params = []
    for row in rows:
        values = []
        for field in fields:
            name = field.attname
            if name in prepared:
                values.append(prepared[name])
            elif name in json_fields:
                value = row.get(name, defaults[name])
                values.append(json_fields[name].get_db_prep_save(value, connection))
            else:
                values.append(row.get(name, defaults[name]))
        params.append(values)
    if params:
        with connection.cursor() as cursor:
            cursor.executemany(sql, params)
    return len(params)


def tune_for_bulk() -> None:
    """Give SQLite a page cache big enough for index inserts at random keys (200 MB)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -200000")
