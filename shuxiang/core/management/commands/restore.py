"""``shuxiang restore ARCHIVE``: replace the database and media with a backup's."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shuxiang.core.backup import restore_backup
from shuxiang.core.errors import ServiceError


class Command(BaseCommand):
    help = "Restore a backup archive made by `shuxiang backup` (stop the web server first)."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, archive, yes, **options):
        if not yes and input(f"Replace all data with {archive}? [y/N] ").lower() != "y":
            raise CommandError("restore cancelled")
        try:
            manifest = restore_backup(archive)
        except ServiceError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"restored the {manifest['mode']} backup of {manifest['created']}")
