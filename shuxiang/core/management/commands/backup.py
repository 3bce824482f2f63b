"""``shuxiang backup``: write the database and media into one archive."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand

from shuxiang.core.backup import create_backup


class Command(BaseCommand):
    help = "Back up the database and local media into a .tar.gz archive."

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="Archive path (default: data dir).")

    def handle(self, *args, output=None, **options):
        result = create_backup(output)
        self.stdout.write(
            f"{result.mode} backup written to {result.path} ({result.size / 1024:.0f} KiB)"
        )
