"""Moving the test database to a point in the migration graph (for data-migration tests)."""

from __future__ import annotations

from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def migrate_to(targets):
    """Migrate to ``targets`` and return the app registry of that state."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def migrate_to_latest():
    return migrate_to(MigrationExecutor(connection).loader.graph.leaf_nodes())
