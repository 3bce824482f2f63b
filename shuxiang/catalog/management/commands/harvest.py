"""``shuxiang harvest KEY`` (or ``--due``): harvest registered OAI-PMH sources now."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from shuxiang.catalog import sources, tasks
from shuxiang.catalog.oai.harvester import HarvestFailed
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import ServiceError


class Command(BaseCommand):
    help = "Harvest OAI-PMH sources (incremental; resumes an interrupted harvest)."

    def add_arguments(self, parser):
        parser.add_argument("keys", nargs="*", help="source keys (see the API /catalog/sources)")
        parser.add_argument("--due", action="store_true", help="every source that is due")
        parser.add_argument("--max-pages", type=int, default=None)

    def handle(self, *args, keys, due, max_pages, **options):
        if due:
            keys = [s.key for s in tasks.due_sources()]
        if not keys:
            raise CommandError("Name a source key or use --due.")
        failed = False
        for key in keys:
            try:
                report = sources.harvest_source(key, by=SYSTEM, max_pages=max_pages)
            except (ServiceError, HarvestFailed) as exc:
                self.stderr.write(f"{key}: {exc}")
                failed = True
                continue
            self.stdout.write(
                f"{key}: {report.stored} stored, {report.deleted} deleted, "
                f"{report.failed} bad records, {report.pages} pages"
            )
            for problem in report.errors[:20]:
                self.stdout.write(f"  {problem}")
        if failed:
            raise CommandError("Some harvests failed; run again to resume them.")
