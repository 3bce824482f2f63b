"""Background work for identifiers (huey): large imports, and re-checking served URLs.

Tasks call the services as the person who asked for them (or the system), so the same
permission checks apply as in the foreground.
"""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from shuxiang.core.actors import SYSTEM


def _actor(user_id: int | None):
    if user_id is None:
        return SYSTEM
    from shuxiang.accounts.models import User

    return User.objects.get(pk=user_id, is_active=True)


@db_task()
def import_file(path: str, library_code: str, user_id: int | None, fmt: str = "csv") -> dict:
    """Import a file that was saved on the node; returns the report as a dict."""
    from shuxiang.core.textfiles import open_text
    from shuxiang.identifiers import batch
    from shuxiang.network.models import Library

    library = Library.objects.get(code=library_code)
    with open_text(path) as stream:
        report = batch.import_rows(
            batch.read_rows(stream, fmt), library=library, by=_actor(user_id), progress=False
        )
    return {
        "created": report.created,
        "existing": report.existing,
        "failed": report.failed,
        "failures": [f.__dict__ for f in report.failures[:1000]],
    }


@db_task()
def verify_locations(names: list[str]) -> dict[str, str]:
    """Check that each identifier's served URL still answers; return name → problem."""
    from shuxiang.core.errors import ValidationFailed
    from shuxiang.identifiers import validation
    from shuxiang.identifiers.models import Identifier

    problems = {}
    for identifier in Identifier.objects.filter(name__in=names, status="active"):
        try:
            validation.check_served(identifier.location)
        except ValidationFailed as exc:
            problems[identifier.name] = exc.errors[0].reason
    return problems
