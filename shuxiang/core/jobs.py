"""One way to run side effects after commit: a job row in the transaction, a task on commit.

``defer(kind, payload)`` writes a ``Job`` row inside the caller's transaction and, once that
transaction commits, enqueues a huey task that runs the job's handler. A failing handler is
retried with exponential backoff (``SHUXIANG_JOBS_RETRY_SECONDS`` × 2ⁿ) until the kind's
``max_attempts``; the last error stays on the row. Nothing is lost on a crash: a job whose task
never ran (the process died between commit and enqueue, or the broker was down) or whose
worker died mid-run is picked up by ``recover()``, which runs when a worker starts and every
minute. A job may therefore run more than once: handlers must be idempotent (they record what
they finished in ``job.progress`` or check the state they are about to change).

Core knows no app: apps register their kinds (a name and a handler's dotted path) in their
``AppConfig.ready``; a handler takes the ``Job``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.module_loading import import_string

from shuxiang.core import options
from shuxiang.core.models import Job

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=6)


@dataclass(frozen=True)
class Kind:
    name: str
    handler: str | Callable[[Job], Any]
    max_attempts: int

    def resolve(self) -> Callable[[Job], Any]:
        return import_string(self.handler) if isinstance(self.handler, str) else self.handler


KINDS: dict[str, Kind] = {}


class Permanent(Exception):
    """Raised by a handler whose job cannot succeed by retrying (the input is refused)."""


def register(name: str, handler: str | Callable[[Job], Any], *, max_attempts: int = 5) -> None:
    """Make ``name`` a job kind run by ``handler`` (a callable or its dotted path)."""
    KINDS[name] = Kind(name, handler, max(1, max_attempts))


def defer(kind: str, payload: dict | None = None, *, library: object = "") -> Job:
    """Record a job in the current transaction; its task is enqueued when that commits."""
    if kind not in KINDS:
        raise LookupError(f"unknown job kind {kind!r}; register it in its app's ready()")
    job = Job.objects.create(
        kind=kind,
        payload=payload or {},
        library_code=getattr(library, "code", library) or "",
        max_attempts=KINDS[kind].max_attempts,
        next_run_at=timezone.now(),
    )
    transaction.on_commit(partial(enqueue, job.pk))
    return job


def enqueue(job_id: int, delay: float = 0) -> None:
    """Hand the job to the task queue and note when; a broker failure is left to ``recover()``."""
    from shuxiang.core.tasks import run_job

    try:
        if delay > 0:
            run_job.schedule((job_id,), delay=delay)
        else:
            run_job(job_id)
    except Exception:
        log.exception("could not enqueue job %s; the recovery pass will run it", job_id)
        return
    Job.objects.filter(pk=job_id, state=Job.State.PENDING).update(queued_at=timezone.now())


def backoff(attempts: int) -> timedelta:
    """How long to wait after the ``attempts``-th failure (doubling, at most six hours)."""
    base = options.value("JOBS_RETRY_SECONDS")
    return min(timedelta(seconds=base * 2 ** max(attempts - 1, 0)), MAX_BACKOFF)


def run(job_id: int) -> Job | None:
    """Run one due pending job once; None when it is not due or another worker claimed it."""
    now = timezone.now()
    claimed = Job.objects.filter(pk=job_id, state=Job.State.PENDING, next_run_at__lte=now).update(
        state=Job.State.RUNNING, attempts=F("attempts") + 1, started_at=now
    )
    if not claimed:
        return None
    job = Job.objects.get(pk=job_id)
    kind = KINDS.get(job.kind)
    try:
        if kind is None:
            raise LookupError(f"no handler is registered for {job.kind!r} on this node")
        kind.resolve()(job)
    except Exception as exc:
        return _failed(job, exc)
    Job.objects.filter(pk=job.pk).update(
        state=Job.State.DONE, finished_at=timezone.now(), last_error=""
    )
    job.state = Job.State.DONE
    return job


def _failed(job: Job, exc: Exception) -> Job:
    job.last_error = f"attempt {job.attempts}: {type(exc).__name__}: {exc}"[:4000]
    if job.last_attempt or isinstance(exc, Permanent):
        job.state, job.finished_at = Job.State.FAILED, timezone.now()
        log.error("job %s (%s) failed for good: %s", job.pk, job.kind, exc)
    else:
        job.state, job.next_run_at = Job.State.PENDING, timezone.now() + backoff(job.attempts)
        log.warning(
            "job %s (%s) failed, retrying at %s: %s", job.pk, job.kind, job.next_run_at, exc
        )
    Job.objects.filter(pk=job.pk).update(
        state=job.state,
        last_error=job.last_error,
        next_run_at=job.next_run_at,
        queued_at=None,
        finished_at=job.finished_at,
    )
    if job.state == Job.State.PENDING:
        enqueue(job.pk, delay=(job.next_run_at - timezone.now()).total_seconds())
    return job


def note(job: Job, **progress: Any) -> None:
    """Record that part of the job is done (a retry reads it from ``job.progress``)."""
    job.progress = {**job.progress, **progress}
    Job.objects.filter(pk=job.pk).update(progress=job.progress)


def recover(*, grace: float = 60, now: datetime | None = None) -> int:
    """Enqueue jobs whose task was lost; re-open those whose worker died. Returns how many.

    A pending job due more than ``grace`` seconds ago and never queued lost its task (the
    process died between commit and enqueue, or the broker refused it). A queued one is taken
    as lost only when it has been due, and queued, for longer than the lease
    (``SHUXIANG_JOBS_LEASE_SECONDS``), so a long queue is not flooded with copies; a copy that
    does reach a worker finds the job claimed and does nothing. A running job older than the
    lease lost its worker.
    """
    now = now or timezone.now()
    stale = now - timedelta(seconds=options.value("JOBS_LEASE_SECONDS"))
    Job.objects.filter(state=Job.State.RUNNING, started_at__lt=stale).update(
        state=Job.State.PENDING,
        next_run_at=now,
        queued_at=None,
        last_error="the worker stopped while running this job; it runs again",
    )
    never_queued = Q(queued_at__isnull=True)
    queued_long_ago = Q(queued_at__lt=stale, next_run_at__lt=stale)
    due = list(
        Job.objects.filter(never_queued | queued_long_ago)
        .filter(state=Job.State.PENDING, next_run_at__lte=now - timedelta(seconds=grace))
        .values_list("pk", flat=True)[:10_000]
    )
    for job_id in due:
        enqueue(job_id)
    return len(due)


def requeue(job: Job) -> Job:
    """Run a failed (or pending) job again from a fresh count of attempts."""
    if job.state in (Job.State.FAILED, Job.State.PENDING):
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.PENDING,
            attempts=0,
            next_run_at=timezone.now(),
            queued_at=None,
            finished_at=None,
        )
        transaction.on_commit(partial(enqueue, job.pk))
        job.refresh_from_db()
    return job
