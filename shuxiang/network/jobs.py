"""Staff view of the node's after-commit jobs (后台作业): list, inspect and retry them.

A job belongs to the library whose change asked for it (``Job.library_code``); administrators
see and retry the jobs of their subtree, the system and superusers every job. The jobs
themselves live in ``shuxiang.core.jobs``, which knows nothing of libraries.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from shuxiang.core import audit, jobs
from shuxiang.core.actors import Actor
from shuxiang.core.errors import Conflict, NotFound, ValidationFailed
from shuxiang.core.models import Job
from shuxiang.network import scopes
from shuxiang.network.models import Library


def visible_jobs(actor: object) -> QuerySet[Job]:
    """The jobs ``actor`` may see: those of libraries they administer (all for the system)."""
    if scopes.unrestricted(actor):
        return Job.objects.all()
    codes = Library.objects.filter(scopes.in_scope(actor)).values("code")
    return Job.objects.filter(library_code__in=codes)


def find_jobs(
    actor: object, *, state: str = "", kind: str = "", library: str = ""
) -> QuerySet[Job]:
    """Visible jobs, newest first, filtered by state, kind and library (with its subtree)."""
    if state and state not in Job.State.values:
        choices = ", ".join(Job.State.values)
        raise ValidationFailed.single("state", _("Choose one of: %(c)s.") % {"c": choices})
    queryset = visible_jobs(actor)
    if state:
        queryset = queryset.filter(state=state)
    if kind:
        queryset = queryset.filter(kind=kind)
    if library:
        root = Library.objects.filter(code=library.strip().upper()).first()
        if root is None:
            raise ValidationFailed.single(
                "library", _("No library has the code %(c)s.") % {"c": library}
            )
        below = Library.objects.filter(Q(path__startswith=root.path)).values("code")
        queryset = queryset.filter(library_code__in=below)
    return queryset.order_by("-created_at", "-id")


def get_job(actor: object, job_id: int) -> Job:
    """One visible job, or NotFound (a job outside the actor's scope is not revealed)."""
    job = visible_jobs(actor).filter(pk=job_id).first()
    if job is None:
        raise NotFound(_("No job %(id)s is visible to you.") % {"id": job_id})
    return job


@transaction.atomic
def retry(job_id: int, *, by: Actor) -> Job:
    """Run a failed job again with a fresh count of attempts (administrators of its library)."""
    job = get_job(by, job_id)
    library = Library.objects.filter(code=job.library_code).first()
    if library is not None:
        scopes.require(by, library, _("retry the jobs of"))
    if job.state != Job.State.FAILED:
        raise Conflict.single(
            "state",
            _("Only a failed job can be retried; this one is %(s)s.")
            % {"s": job.get_state_display()},
            "wrong_state",
        )
    audit.record(by, "core.retry_job", job, kind=job.kind, attempts=job.attempts)
    return jobs.requeue(job)
