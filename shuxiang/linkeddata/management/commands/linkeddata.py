"""``shuxiang linkeddata rebuild|dump``: rebuild the RDF store from the database; write dumps."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from shuxiang.linkeddata import dumps, sync


class Command(BaseCommand):
    help = "Linked data: `rebuild` the SPARQL store from the database; `dump` it (gzip + VoID)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["rebuild", "dump"])
        parser.add_argument(
            "--no-rebuild", action="store_true", help="dump the store as it is (dump only)"
        )

    def handle(self, *args, action, no_rebuild, **options):
        if action == "rebuild" or not no_rebuild:
            count = sync.rebuild_now()
            self.stdout.write(f"store rebuilt: {count} documents")
        if action == "dump":
            for dump in dumps.write_all():
                self.stdout.write(f"{dump.name}: {dump.triples} triples, {dump.size} bytes")
