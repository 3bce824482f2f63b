"""``shuxiang packages push|pull|status``: network push of resource packages and deployment
status (see ``shuxiang.distribution.push_commands``). Acts as the node itself unless
``--as USERNAME`` names a staff member, whose scope then applies."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import ServiceError
from shuxiang.distribution import push_commands


class Command(BaseCommand):
    help = "Resource packages: push to libraries below, pull offers, deployment status."

    def add_arguments(self, parser):
        parser.add_argument("--as", dest="username", help="Act as this user (default: system).")
        sub = parser.add_subparsers(dest="action", required=True)
        push_commands.add_parsers(sub)

    def handle(self, *args, action, username=None, **options):
        actor = self._actor(username)
        try:
            push_commands.handle(self, action, actor, options)
        except ServiceError as exc:
            for error in exc.errors:
                self.stderr.write(f"{error.field}: {error.reason}")
            raise CommandError(exc.message) from None

    def _actor(self, username: str | None):
        if not username:
            return SYSTEM
        from django.contrib.auth import get_user_model

        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"No active user is named {username!r}.")
        return user
