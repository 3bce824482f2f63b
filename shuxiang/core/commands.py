"""A base for CLI commands with subcommands (``shuxiang pid …``, ``shuxiang jobs …``).

``--as USERNAME`` picks the acting staff member (default: the node itself, ``SYSTEM``); the
subcommand ``x`` runs ``do_x(actor, **options)``; a service error prints each field error and
exits non-zero.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import ServiceError


class ActionCommand(BaseCommand):
    """Dispatch ``action`` to ``do_<action>`` as the actor named by ``--as``."""

    def add_actor_argument(self, parser) -> None:
        parser.add_argument("--as", dest="username", help="Act as this user (default: system).")

    def handle(self, *args, action, username=None, **options):
        actor = self.actor(username)
        try:
            self.run_action(action, actor, options)
        except ServiceError as exc:
            for error in exc.errors:
                self.stderr.write(f"{error.field}: {error.reason}")
            raise CommandError(exc.message) from None

    def run_action(self, action: str, actor, options: dict) -> None:
        """Run one subcommand (override to dispatch elsewhere than ``do_<action>``)."""
        getattr(self, f"do_{action.replace('-', '_')}")(actor, **options)

    def actor(self, username: str | None):
        if not username:
            return SYSTEM
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user is named {username!r}.")
        return user
