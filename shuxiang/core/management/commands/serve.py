"""``shuxiang serve``: run the node's web server (uvicorn; several workers in production)."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from shuxiang.core.server import run_server


class Command(BaseCommand):
    help = "Serve the node over HTTP."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on.")
        parser.add_argument("--workers", type=int, default=1, help="Worker processes.")

    def handle(self, *args, host, port, workers, **options):
        try:
            run_server(host, port, workers=workers, announce=self.stdout.write)
        except ImproperlyConfigured as exc:
            raise CommandError(str(exc)) from None
