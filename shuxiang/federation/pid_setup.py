"""Plug identifiers along the tree into the identifiers app and core.jobs (from ``ready()``)."""

from __future__ import annotations


def install() -> None:
    from shuxiang.core import jobs
    from shuxiang.federation import delegation, pid_reports, pid_resolve, sync
    from shuxiang.identifiers import hooks

    if delegation.guard not in hooks.prefix_guards:
        hooks.prefix_guards.append(delegation.guard)
        hooks.change_listeners.append(pid_reports.queue)
        hooks.remote_lookups.append(pid_resolve.lookup)
    jobs.register(delegation.NOTIFY, "shuxiang.federation.delegation.notify_job", max_attempts=20)
    jobs.register(
        "federation.notify_prefix_revoked",
        "shuxiang.federation.prefix_revocation.notify_job",
        max_attempts=20,
    )
    jobs.register(pid_reports.SEND, "shuxiang.federation.pid_reports.send_job", max_attempts=20)
    sync.register("identifiers", pid_reports.sync_step, direction="parent")
