"""``shuxiang pid mint|register|resolve|import|history``: identifiers from the command line.

Commands act as the node itself unless ``--as USERNAME`` names a staff member, whose
permissions then apply. Errors print the field and reason and exit non-zero.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from django.core.management.base import CommandError

from shuxiang.core.commands import ActionCommand
from shuxiang.core.textfiles import open_text
from shuxiang.identifiers import batch, names, records, services
from shuxiang.identifiers.models import ResolveEntry
from shuxiang.network.models import Library


class Command(ActionCommand):
    help = "Mint, register, resolve, import identifiers and show their history."

    def add_arguments(self, parser):
        self.add_actor_argument(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        mint = sub.add_parser("mint", help="Print fresh unused names under a library's prefix.")
        mint.add_argument("--library", required=True)
        mint.add_argument("--count", type=int, default=1)
        reg = sub.add_parser("register", help="Register a resource the library serves itself.")
        reg.add_argument("--library", required=True)
        reg.add_argument("--location", required=True)
        reg.add_argument("--title", required=True)
        reg.add_argument("--creator", default="")
        reg.add_argument("--date", default="")
        reg.add_argument("--rights", required=True)
        reg.add_argument("--fingerprint", help="SHA-256 hex of the object.")
        reg.add_argument("--file", help="Compute the fingerprint from this file.")
        reg.add_argument("--suffix")
        reg.add_argument("--type", dest="resource_type", default="")
        res = sub.add_parser("resolve", help="Show where an identifier points.")
        res.add_argument("name")
        res.add_argument("--json", action="store_true", help="Print the Handle-style record.")
        imp = sub.add_parser("import", help="Register rows of a CSV or JSON file.")
        imp.add_argument("path")
        imp.add_argument("--library", required=True, help="Library of rows without one.")
        imp.add_argument("--format", choices=["csv", "json"], help="Default: by file name.")
        imp.add_argument("--batch-size", type=int, default=5000)
        imp.add_argument("--report", help="Write failed rows (row, field, reason) to this CSV.")
        his = sub.add_parser("history", help="Show every change to an identifier.")
        his.add_argument("name")

    def _library(self, code: str) -> Library:
        library = Library.objects.filter(code=code.upper()).first()
        if library is None:
            raise CommandError(f"library: no library has the code {code!r}.")
        return library

    def do_mint(self, actor, *, library, count, **_):
        from shuxiang.identifiers.permissions import require_registrar_of

        lib = self._library(library)
        require_registrar_of(actor, lib, action="mint identifiers for")
        for name in services.mint_names(lib, max(1, min(count, 100000))):
            self.stdout.write(name)

    def do_register(self, actor, *, library, title, creator, date, file, **options):
        fingerprint = options["fingerprint"]
        if file:
            from shuxiang.identifiers.dedupe import fingerprint_of

            fingerprint = fingerprint_of(Path(file).read_bytes())
        identifier = services.register_for_resource(
            library=self._library(library),
            location=options["location"],
            metadata={"title": title, "creator": creator, "date": date},
            rights=options["rights"],
            fingerprint=fingerprint,
            suffix=options["suffix"],
            resource_type=options["resource_type"],
            by=actor,
        )
        self.stdout.write(identifier.name)

    def do_resolve(self, actor, *, name, **options):
        entry = ResolveEntry.objects.filter(name=names.normalise(name)).first()
        if entry is None or entry.status not in ("active", "withdrawn"):
            raise CommandError(f"{name}: no such identifier.")
        if options["json"]:
            self.stdout.write(records.expand_bytes(entry.name, entry.record).decode())
        elif entry.status == "withdrawn":
            raise CommandError(f"{entry.name}: withdrawn.")
        else:
            self.stdout.write(entry.target)

    def do_import(self, actor, *, path, library, format, batch_size, report, **_):
        fmt = format or ("csv" if path.lower().endswith(".csv") else "json")
        with open_text(path) as stream:
            result = batch.import_rows(
                batch.read_rows(stream, fmt),
                library=self._library(library),
                by=actor,
                batch_size=batch_size,
                progress=sys.stderr.isatty(),
            )
        for failure in result.failures[:50]:
            self.stderr.write(f"row {failure.row}: {failure.field}: {failure.reason}")
        if report:
            _write_failures(report, result.failures)
        self.stdout.write(result.summary())
        if result.failures:
            raise CommandError(f"{result.failed} rows failed; the good rows were registered.")

    def do_history(self, actor, *, name, **_):
        for event in services.history(name):
            changes = json.dumps(event["changes"], ensure_ascii=False, default=str)
            at = f"{event['at']:%Y-%m-%d %H:%M:%S}"
            self.stdout.write(f"{at} {event['actor']} {event['action']} {changes}")


def _write_failures(path: str, failures) -> None:
    import csv

    with open(path, "w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["row", "field", "reason", "code"])
        for failure in failures:
            writer.writerow([failure.row, failure.field, failure.reason, failure.code])
