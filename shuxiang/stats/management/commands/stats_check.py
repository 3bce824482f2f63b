"""``shuxiang stats-check``: probe every monitored platform once and evaluate alert rules."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from shuxiang.core.actors import SYSTEM
from shuxiang.stats.monitoring import check_platforms


class Command(BaseCommand):
    help = "Check the availability of every registered library platform (HTTP, with timeout)."

    def add_arguments(self, parser):
        parser.add_argument("--timeout", type=float, default=None, help="Seconds per probe.")

    def handle(self, *args, timeout=None, **options):
        for result in check_platforms(by=SYSTEM, timeout=timeout):
            state = "up" if result.ok else f"DOWN ({result.error})"
            self.stdout.write(f"{result.platform.url}: {state} in {result.latency_ms} ms")
