"""``shuxiang jobs list|show|retry|recover``: the node's after-commit jobs from the command line.

Acts as the node itself unless ``--as USERNAME`` names a staff member, whose scope then
applies. ``recover`` enqueues every job whose task never ran (as a starting worker does).
"""

from __future__ import annotations

import json

from django.core.management.base import CommandError

from shuxiang.core import jobs as core_jobs
from shuxiang.core.actors import SYSTEM
from shuxiang.core.commands import ActionCommand
from shuxiang.network import jobs


class Command(ActionCommand):
    help = "List, show, retry and recover the node's background jobs."

    def add_arguments(self, parser):
        self.add_actor_argument(parser)
        sub = parser.add_subparsers(dest="action", required=True)
        listing = sub.add_parser("list", help="Jobs, newest first.")
        listing.add_argument("--state", default="", help="pending, running, done or failed.")
        listing.add_argument("--kind", default="")
        listing.add_argument("--library", default="", help="A library code (with its subtree).")
        listing.add_argument("--limit", type=int, default=50)
        show = sub.add_parser("show", help="One job with its payload and last error.")
        show.add_argument("id", type=int)
        retry = sub.add_parser("retry", help="Run failed jobs again.")
        retry.add_argument("ids", type=int, nargs="*")
        retry.add_argument("--all-failed", action="store_true", help="Every failed job in scope.")
        sub.add_parser("recover", help="Enqueue jobs whose task never ran.")

    def do_list(self, actor, *, state, kind, library, limit, **_):
        found = jobs.find_jobs(actor, state=state, kind=kind, library=library)
        for job in found[: max(1, limit)]:
            error = job.last_error.splitlines()[0][:120] if job.last_error else ""
            self.stdout.write(
                f"{job.pk}\t{job.kind}\t{job.library_code or '-'}\t{job.state}\t"
                f"{job.attempts}/{job.max_attempts}\t{job.created_at:%Y-%m-%d %H:%M:%S}\t{error}"
            )
        self.stdout.write(f"{found.count()} jobs")

    def do_show(self, actor, *, id, **_):
        job = jobs.get_job(actor, id)
        fields = ("kind", "library_code", "state", "attempts", "max_attempts", "payload")
        data = {name: getattr(job, name) for name in fields}
        data |= {"progress": job.progress, "last_error": job.last_error}
        data |= {"created_at": job.created_at, "next_run_at": job.next_run_at}
        self.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str))

    def do_retry(self, actor, *, ids, all_failed, **_):
        if all_failed:
            ids = [*ids, *jobs.find_jobs(actor, state="failed").values_list("pk", flat=True)]
        if not ids:
            raise CommandError("Name the jobs to retry, or give --all-failed.")
        for job_id in dict.fromkeys(ids):
            jobs.retry(job_id, by=actor)
            self.stdout.write(f"job {job_id} queued again")

    def do_recover(self, actor, **_):
        if actor is not SYSTEM:
            raise CommandError("Recovery runs as the node itself (leave out --as).")
        self.stdout.write(f"{core_jobs.recover(grace=0)} jobs enqueued")
