"""``shuxiang stats-rollup``: aggregate stale days of usage now (``--force``: every day)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import ServiceError
from shuxiang.stats.rollup import run_rollup


class Command(BaseCommand):
    help = "Re-aggregate the days whose raw usage events changed since the last rollup."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="Re-aggregate every day.")

    def handle(self, *args, force=False, **options):
        try:
            report = run_rollup(by=SYSTEM, force=force)
        except ServiceError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(report.summary()))
