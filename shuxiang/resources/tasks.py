"""Background tasks (huey): derivatives are made per job, retried, and failures reported.

Each job is a ``DerivativeJob`` row, so its state, attempts and last error survive a worker
restart and show on the librarian's page. Tasks act as ``SYSTEM``.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from shuxiang.resources import uploads
from shuxiang.resources.derivatives import MAKERS, Unavailable, jobs_for
from shuxiang.resources.models import DerivativeJob, Resource

log = logging.getLogger(__name__)
RETRIES = 2
RETRY_DELAY = 0 if settings.HUEY.get("immediate") else 30


def schedule_derivatives(resource_id: int) -> list[DerivativeJob]:
    """Create (or reset) the jobs a resource needs and enqueue one task per job."""
    resource = Resource.objects.filter(pk=resource_id).first()
    if resource is None:
        return []
    jobs = []
    for kind in jobs_for(resource):
        job, _created = DerivativeJob.objects.update_or_create(
            resource=resource,
            kind=kind,
            defaults={"state": DerivativeJob.State.PENDING, "attempts": 0, "error": ""},
        )
        jobs.append(job)
    for job in jobs:
        job_id = job.pk
        transaction.on_commit(lambda job_id=job_id: make_derivative(job_id))
    return jobs


def run_job(job_id: int, *, final: bool) -> DerivativeJob:
    """Run one derivative job once, recording the outcome; re-raise when it failed."""
    job = DerivativeJob.objects.select_related("resource__library").get(pk=job_id)
    job.attempts += 1
    try:
        count = MAKERS[job.kind](job.resource)
    except Unavailable as exc:
        job.state, job.error = DerivativeJob.State.SKIPPED, str(exc)
        job.save()
        return job
    except Exception as exc:
        job.state = DerivativeJob.State.FAILED if final else DerivativeJob.State.PENDING
        job.error = f"attempt {job.attempts}: {type(exc).__name__}: {exc}"[:2000]
        job.save()
        log.warning("derivative %s of resource %s failed: %s", job.kind, job.resource_id, exc)
        raise
    job.state, job.error = DerivativeJob.State.DONE, ""
    job.save()
    log.info("derivative %s of resource %s: %d files", job.kind, job.resource_id, count)
    return job


@db_task(retries=RETRIES, retry_delay=RETRY_DELAY, context=True)
def make_derivative(job_id: int, task=None) -> None:
    """Make one derivative; huey retries it, and the last failure marks the job failed."""
    run_job(job_id, final=task is None or task.retries == 0)


def retry_failed(resource: Resource) -> int:
    """Re-enqueue the failed jobs of a resource (from the librarian page or the CLI)."""
    failed = list(resource.jobs.filter(state=DerivativeJob.State.FAILED))
    for job in failed:
        job.state, job.attempts = DerivativeJob.State.PENDING, 0
        job.save()
        job_id = job.pk
        transaction.on_commit(lambda job_id=job_id: make_derivative(job_id))
    return len(failed)


@db_periodic_task(crontab(minute="*/15"))
def sweep_uploads() -> dict[str, int]:
    """Finish uploads a crash left complete but unfinished; remove expired ones and strays."""
    return uploads.sweep()
