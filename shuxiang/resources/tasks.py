"""Derivatives are made per job, retried with backoff, and failures reported.

Each derivative is a ``DerivativeJob`` row (the resource's view of it: state, attempts, last
error, shown on the librarian's page) run through an after-commit job of
``shuxiang.core.jobs``, which retries it and recovers it after a crash. Jobs act as ``SYSTEM``.
"""

from __future__ import annotations

import logging

from django.db import transaction
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from shuxiang.core import jobs
from shuxiang.resources import uploads
from shuxiang.resources.derivatives import MAKERS, Unavailable, jobs_for
from shuxiang.resources.models import DerivativeJob, Resource

log = logging.getLogger(__name__)
MAKE = "resources.make_derivative"
RETRIES = 2


def schedule_derivatives(resource: Resource) -> list[DerivativeJob]:
    """Create (or reset) the derivatives a resource needs, each run by a job after commit."""
    made = []
    for kind in jobs_for(resource):
        derivative, _created = DerivativeJob.objects.update_or_create(
            resource=resource,
            kind=kind,
            defaults={"state": DerivativeJob.State.PENDING, "attempts": 0, "error": ""},
        )
        jobs.defer(MAKE, {"derivative": derivative.pk}, library=resource.library)
        made.append(derivative)
    return made


def make_derivative(job: jobs.Job) -> None:
    """Job handler: make one derivative, recording the outcome on its ``DerivativeJob``."""
    derivative = (
        DerivativeJob.objects.select_related("resource__library")
        .filter(pk=job.payload["derivative"])
        .first()
    )
    if derivative is None or derivative.state == DerivativeJob.State.DONE:
        return
    run_job(derivative, final=job.last_attempt)


def run_job(derivative: DerivativeJob, *, final: bool) -> DerivativeJob:
    """Run one derivative once, recording the outcome; re-raise when it failed."""
    derivative.attempts += 1
    try:
        count = MAKERS[derivative.kind](derivative.resource)
    except Unavailable as exc:
        derivative.state, derivative.error = DerivativeJob.State.SKIPPED, str(exc)
        derivative.save()
        return derivative
    except Exception as exc:
        derivative.state = DerivativeJob.State.FAILED if final else DerivativeJob.State.PENDING
        derivative.error = f"attempt {derivative.attempts}: {type(exc).__name__}: {exc}"[:2000]
        derivative.save()
        log.warning("derivative %s of %s failed: %s", derivative.kind, derivative.resource_id, exc)
        raise
    derivative.state, derivative.error = DerivativeJob.State.DONE, ""
    derivative.save()
    log.info("derivative %s of %s: %d files", derivative.kind, derivative.resource_id, count)
    return derivative


@transaction.atomic
def retry_failed(resource: Resource) -> int:
    """Run the failed derivatives of a resource again (from the librarian page or the CLI)."""
    failed = list(resource.jobs.filter(state=DerivativeJob.State.FAILED))
    for derivative in failed:
        derivative.state, derivative.attempts = DerivativeJob.State.PENDING, 0
        derivative.save()
        jobs.defer(MAKE, {"derivative": derivative.pk}, library=resource.library)
    return len(failed)


@db_periodic_task(crontab(minute="*/15"))
def sweep_uploads() -> dict[str, int]:
    """Finish uploads a crash left complete but unfinished; remove expired ones and strays."""
    return uploads.sweep()
