"""``shuxiang marc-import FILE --source KEY``: stream a MARC file into the warehouse."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from shuxiang.catalog import sources
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import ServiceError


class Command(BaseCommand):
    help = "Import MARC 21 or UNIMARC/CNMARC records (ISO 2709 or MARCXML); bad records reported."

    def add_arguments(self, parser):
        parser.add_argument("path")
        parser.add_argument("--source", required=True, help="source key (created when new)")
        parser.add_argument("--library", default=None, help="code of the owning library")
        parser.add_argument("--flavor", default="auto", choices=["auto", "marc21", "unimarc"])
        parser.add_argument("--no-progress", action="store_true")

    def handle(self, *args, path, source, library, flavor, no_progress, **options):
        try:
            report = sources.import_marc(
                path,
                source_key=source,
                by=SYSTEM,
                library=library,
                flavor=flavor,
                progress=not no_progress,
            )
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{report.stored} records stored, {report.failed} bad records")
        for position, reason in report.problems[:50]:
            self.stdout.write(f"  record {position}: {reason}")
