"""``shuxiang reindex``: rebuild the search index from the warehouse."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from shuxiang.catalog.search import service
from shuxiang.catalog.search.base import get_backend


class Command(BaseCommand):
    help = "Rebuild the whole search index from the database."

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, no_progress, **options):
        count = service.reindex(progress=not no_progress)
        self.stdout.write(f"{count} records indexed ({get_backend().name})")
