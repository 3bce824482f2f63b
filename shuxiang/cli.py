"""The ``shuxiang`` command: a thin front over the node's management commands.

``shuxiang demo | serve | migrate | load-divisions | check`` and any other Django management
command (``shuxiang makemigrations --check``).
"""

from __future__ import annotations

import os
import sys

ALIASES = {"check": "shuxiang_check", "django-check": "check", "worker": "run_huey"}


def main(argv: list[str] | None = None) -> None:
    """Run the named subcommand; hyphens in its name become underscores."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shuxiang.settings")
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] in {"-h", "--help", "help"}:
        print(__doc__.strip())
        print("\nCommands: demo, serve, migrate, load-divisions, check, and Django's own.")
        return
    command = args[0]
    command = ALIASES.get(command, command.replace("-", "_"))
    from django.core.management import execute_from_command_line

    execute_from_command_line(["shuxiang", command, *args[1:]])


if __name__ == "__main__":
    main()
