"""Configuration and readiness checks, shared by ``shuxiang check`` and ``/readyz``."""

from __future__ import annotations

import os
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from shuxiang.core import options


@dataclass(frozen=True)
class Finding:
    level: str  # "ok", "warning" or "error"
    topic: str
    message: str


def check_options() -> list[Finding]:
    """Every SHUXIANG_* variable is known and parses."""
    findings = []
    for name in sorted(os.environ):
        if name.startswith(options.PREFIX) and name[len(options.PREFIX) :] not in options.OPTIONS:
            findings.append(Finding("warning", name, "unknown setting (misspelt?); ignored"))
    for option in options.OPTIONS.values():
        try:
            option.read()
        except options.OptionError as exc:
            findings.append(Finding("error", option.env_name, str(exc)))
    if settings.SERVER_MODE and not options.value("SECRET_KEY"):
        findings.append(
            Finding(
                "warning",
                "SHUXIANG_SECRET_KEY",
                "server mode with a generated key: set one shared by all workers",
            )
        )
    return findings


def check_allowed_hosts() -> Finding | None:
    """Server mode must name its host names: with ``*`` any Host header is answered."""
    if not settings.SERVER_MODE or "*" not in settings.ALLOWED_HOSTS:
        return None
    if options.value("ALLOW_ANY_HOST"):
        return Finding("warning", "SHUXIANG_ALLOWED_HOSTS", "* accepted (SHUXIANG_ALLOW_ANY_HOST)")
    return Finding(
        "error",
        "SHUXIANG_ALLOWED_HOSTS",
        "server mode will not start with ALLOWED_HOSTS=* (any Host header): list this node's "
        "host names in SHUXIANG_ALLOWED_HOSTS, or set SHUXIANG_ALLOW_ANY_HOST=true",
    )


def check_base_url() -> Finding | None:
    """Server mode needs its public address: OIDC issuer and identifier locations use it."""
    if not settings.SERVER_MODE or options.value("BASE_URL"):
        return None
    return Finding(
        "warning",
        "SHUXIANG_BASE_URL",
        "not set in server mode: the OIDC issuer and identifier locations fall back to the "
        "address `serve` listens on; set the node's public https:// address",
    )


def check_data_dir() -> Finding:
    probe = settings.DATA_DIR / ".write-probe"
    try:
        probe.write_text("ok")
        probe.unlink()
    except OSError as exc:
        return Finding("error", "SHUXIANG_DATA_DIR", f"{settings.DATA_DIR} is not writable: {exc}")
    return Finding("ok", "SHUXIANG_DATA_DIR", str(settings.DATA_DIR))


def check_database() -> Finding:
    engine = "PostgreSQL" if settings.SERVER_MODE else "SQLite"
    try:
        connection.ensure_connection()
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:  # any driver error is a finding, not a crash
        return Finding("error", "database", f"{engine} unreachable: {exc}".strip())
    if pending:
        return Finding(
            "error",
            "database",
            f"{engine}: {len(pending)} migrations not applied; run `shuxiang migrate`",
        )
    return Finding("ok", "database", f"{engine} reachable, migrations applied")


def check_redis() -> Finding | None:
    if not settings.REDIS_URL:
        return None
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
    except Exception as exc:
        return Finding("error", "SHUXIANG_REDIS_URL", f"Redis unreachable: {exc}")
    return Finding("ok", "SHUXIANG_REDIS_URL", "Redis reachable")


def check_jobs() -> Finding | None:
    """Failed background jobs, and jobs long overdue (no worker is running?)."""
    from datetime import timedelta

    from django.utils import timezone

    from shuxiang.core.models import Job

    try:
        failed = Job.objects.filter(state=Job.State.FAILED).count()
        late = Job.objects.filter(
            state=Job.State.PENDING, next_run_at__lt=timezone.now() - timedelta(minutes=10)
        ).count()
    except Exception:  # the database finding already says why
        return None
    problems = []
    if failed:
        problems.append(f"{failed} failed (see `shuxiang jobs list --state failed`)")
    if late:
        problems.append(f"{late} overdue by 10 minutes or more: is `shuxiang worker` running?")
    if problems:
        return Finding("warning", "jobs", "; ".join(problems))
    return Finding("ok", "jobs", "no failed or overdue background jobs")


def readiness() -> list[Finding]:
    """What must hold before this process takes traffic."""
    return [f for f in (check_database(), check_redis()) if f is not None]


def all_findings() -> list[Finding]:
    """Everything ``shuxiang check`` reports."""
    mode = "server mode" if settings.SERVER_MODE else "embedded default"
    deployment = [f for f in (check_allowed_hosts(), check_base_url()) if f is not None]
    found = [
        Finding("ok", "mode", mode),
        *check_options(),
        *deployment,
        check_data_dir(),
        *readiness(),
    ]
    return [*found, *(f for f in (check_jobs(),) if f is not None)]
