"""``shuxiang search WORDS``: search the warehouse from the command line (as the system)."""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from shuxiang.catalog.search import service
from shuxiang.catalog.search.base import FACETS
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import ServiceError


class Command(BaseCommand):
    help = "Search the warehouse; --json prints machine-readable results."

    def add_arguments(self, parser):
        parser.add_argument("words", nargs="*")
        parser.add_argument("--field", default="any")
        parser.add_argument("--sort", default="relevance")
        parser.add_argument("--page", type=int, default=1)
        parser.add_argument("--page-size", type=int, default=10)
        for name in FACETS:
            parser.add_argument(f"--{name}", action="append", default=[])
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, words, field, sort, page, page_size, json: bool = False, **options):
        filters = {name: options[name] for name in FACETS if options.get(name)}
        try:
            result = service.search(
                actor=SYSTEM,
                q=" ".join(words),
                field=field,
                sort=sort,
                page=page,
                page_size=page_size,
                filters=filters,
            )
        except ServiceError as exc:
            raise CommandError(str(exc)) from exc
        if json:
            self._json(result)
            return
        self.stdout.write(f"{result.total} results")
        for hit in result.hits:
            record = hit.record
            self.stdout.write(
                f"{record.pk:>8}  {record.title}  — {'、'.join(record.creators)} {record.date}"
            )

    def _json(self, result) -> None:
        rows = [
            {
                "id": h.record.pk,
                "title": h.record.title,
                "creators": h.record.creators,
                "year": h.record.year,
            }
            for h in result.hits
        ]
        self.stdout.write(_dumps({"total": result.total, "hits": rows, "facets": result.facets}))


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False)
