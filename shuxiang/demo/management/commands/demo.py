"""``shuxiang demo``: migrate the database, load the demo network and data, then serve."""

from __future__ import annotations

from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from shuxiang.core.http import adopt_base_url
from shuxiang.core.server import run_server
from shuxiang.demo.load import load_demo


class Command(BaseCommand):
    help = "Set up the embedded demo (database, divisions, libraries, logins) and serve it."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1", help="Address to listen on.")
        parser.add_argument("--port", type=int, default=8000, help="Port to listen on.")
        parser.add_argument("--no-serve", action="store_true", help="Load the data and stop.")
        parser.add_argument(
            "--federation",
            action="store_true",
            help="Start a national node (this port) and a Zhejiang node (the next port), "
            "joined and harvested, each with its own database under the data folder.",
        )

    def handle(self, *args, host, port, no_serve, federation=False, **options):
        if federation:
            from shuxiang.demo import federation as demo_federation

            try:
                demo_federation.run(host, port, serve=not no_serve, say=self.stdout.write)
            except RuntimeError as exc:
                raise CommandError(str(exc)) from None
            return
        adopted = adopt_base_url(host, port)  # identifier locations point at this server
        if adopted:
            self.stdout.write(f"Base URL (SHUXIANG_BASE_URL unset): {adopted}")
        self.stdout.write("Migrating the database …")
        call_command("migrate", interactive=False, verbosity=0)
        logins = load_demo(progress=True, say=self.stdout.write)
        self.stdout.write(self.style.SUCCESS("Demo ready. Logins (username / password):"))
        for username, password, library in logins:
            self.stdout.write(f"  {username:<12} {password:<10} {library}")
        if not no_serve:
            self.stdout.write(f"Open http://{host}:{port}/network/")
            try:
                run_server(host, port, announce=self.stdout.write)
            except ImproperlyConfigured as exc:
                raise CommandError(str(exc)) from None
