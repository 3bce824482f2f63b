"""``shuxiang load-divisions``: load GB/T 2260 division codes (bundled file by default)."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shuxiang.network.divisions import load_divisions


class Command(BaseCommand):
    help = "Load administrative division codes (GB/T 2260) into the database."

    def add_arguments(self, parser):
        parser.add_argument(
            "path",
            nargs="?",
            type=Path,
            help="A divisions TSV (code, name, level, revision, current).",
        )

    def handle(self, *args, path, **options):
        if path is not None and not path.is_file():
            raise CommandError(f"path: {path} is not a readable file")
        report = load_divisions(path)
        for line, reason in report.bad_rows:
            self.stderr.write(f"line {line}: {reason}")
        self.stdout.write(report.summary())
