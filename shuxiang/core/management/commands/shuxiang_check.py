"""``shuxiang check``: configuration sanity with clear messages (exit 1 on any error)."""

from __future__ import annotations

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from shuxiang.core.checks import all_findings
from shuxiang.core.options import OPTIONS


class Command(BaseCommand):
    help = "Check this node's configuration, database and Redis; list every setting."

    def add_arguments(self, parser):
        parser.add_argument("--list", action="store_true", help="Describe every setting.")

    def handle(self, *args, list=False, **options):
        if list:
            for option in OPTIONS.values():
                self.stdout.write(
                    f"{option.env_name:<28} default={option.default!r}\n    {option.description}"
                )
        call_command("check", verbosity=0)
        findings = all_findings()
        for finding in findings:
            style = {"ok": self.style.SUCCESS, "warning": self.style.WARNING}.get(
                finding.level, self.style.ERROR
            )
            self.stdout.write(style(f"[{finding.level}] {finding.topic}: {finding.message}"))
        errors = [f for f in findings if f.level == "error"]
        if errors:
            raise CommandError(f"{len(errors)} problem(s) found")
