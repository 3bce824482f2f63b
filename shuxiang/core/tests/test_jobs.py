"""After-commit jobs: a row in the caller's transaction, run after commit, retried, recovered."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from shuxiang.core import jobs
from shuxiang.core.models import Job

CALLS: list[dict] = []
FAILURES: list[Exception] = []


def remember(job: Job) -> None:
    if FAILURES:
        raise FAILURES.pop(0)
    CALLS.append(job.payload)


def refuse(job: Job) -> None:
    raise jobs.Permanent("the input is refused")


@pytest.fixture(autouse=True)
def kinds(monkeypatch):
    monkeypatch.setenv("SHUXIANG_JOBS_RETRY_SECONDS", "30")
    CALLS.clear()
    FAILURES.clear()
    jobs.register("test.remember", remember, max_attempts=3)
    jobs.register("test.refuse", "shuxiang.core.tests.test_jobs.refuse")
    yield
    jobs.KINDS.pop("test.remember")
    jobs.KINDS.pop("test.refuse")


pytestmark = pytest.mark.django_db


def test_a_job_runs_only_after_its_transaction_commits(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        job = jobs.defer("test.remember", {"n": 1}, library="ZJ")
        assert CALLS == []
    assert CALLS == [{"n": 1}]
    job.refresh_from_db()
    assert (job.state, job.attempts, job.library_code) == ("done", 1, "ZJ")


def test_a_rolled_back_change_leaves_no_job_and_runs_nothing(django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks(execute=True)
    with capture, pytest.raises(RuntimeError), transaction.atomic():
        jobs.defer("test.remember", {"n": 1})
        raise RuntimeError("the service failed")
    assert CALLS == []
    assert not Job.objects.exists()


def test_an_unknown_kind_is_refused_at_once():
    with pytest.raises(LookupError, match="test.nothing"):
        jobs.defer("test.nothing")


def test_a_failure_is_recorded_and_retried_with_growing_delays(django_capture_on_commit_callbacks):
    FAILURES.extend([OSError("server down"), OSError("still down")])
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.defer("test.remember", {"n": 2})
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("pending", 1)
    assert "OSError: server down" in job.last_error
    first_wait = job.next_run_at - timezone.now()
    assert timedelta(seconds=25) < first_wait <= timedelta(seconds=30)
    assert jobs.run(job.pk) is None  # not due yet: nothing runs early
    Job.objects.filter(pk=job.pk).update(next_run_at=timezone.now())
    jobs.run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("pending", 2)
    assert timedelta(seconds=55) < job.next_run_at - timezone.now() <= timedelta(seconds=60)
    Job.objects.filter(pk=job.pk).update(next_run_at=timezone.now())
    jobs.run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.attempts, job.last_error) == ("done", 3, "")
    assert CALLS == [{"n": 2}]


def test_the_last_failure_leaves_the_job_failed_with_its_error():
    FAILURES.extend([OSError("a"), OSError("b"), OSError("c")])
    job = Job.objects.create(kind="test.remember", max_attempts=3, next_run_at=timezone.now())
    for _attempt in range(3):
        Job.objects.filter(pk=job.pk).update(next_run_at=timezone.now())
        jobs.run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("failed", 3)
    assert job.last_error == "attempt 3: OSError: c"
    assert job.finished_at is not None


def test_a_refused_job_fails_without_retrying():
    job = Job.objects.create(kind="test.refuse", next_run_at=timezone.now())
    jobs.run(job.pk)
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("failed", 1)
    assert "the input is refused" in job.last_error


def test_a_job_enqueued_twice_runs_once():
    job = Job.objects.create(kind="test.remember", payload={"n": 3}, next_run_at=timezone.now())
    jobs.run(job.pk)
    jobs.run(job.pk)
    assert CALLS == [{"n": 3}]


def test_recovery_runs_jobs_whose_task_never_ran():
    """The process died between commit and enqueue: the row is there, no task is."""
    long_ago = timezone.now() - timedelta(minutes=5)
    lost = Job.objects.create(kind="test.remember", payload={"n": 4}, next_run_at=long_ago)
    fresh = Job.objects.create(kind="test.remember", payload={"n": 5}, next_run_at=timezone.now())
    assert jobs.recover() == 1  # a job just made still has its task on the way
    assert CALLS == [{"n": 4}]
    assert jobs.recover(grace=0) == 1
    assert CALLS == [{"n": 4}, {"n": 5}]
    assert {j.state for j in Job.objects.filter(pk__in=[lost.pk, fresh.pk])} == {"done"}


def test_recovery_leaves_a_queued_job_to_its_task_until_the_lease_runs_out(monkeypatch):
    """A long queue is not flooded with copies of jobs that are waiting their turn."""
    monkeypatch.setenv("SHUXIANG_JOBS_LEASE_SECONDS", "600")
    now = timezone.now()
    waiting = Job.objects.create(
        kind="test.remember",
        payload={"n": 8},
        next_run_at=now - timedelta(minutes=5),
        queued_at=now - timedelta(minutes=5),
    )
    assert jobs.recover(grace=0) == 0
    Job.objects.filter(pk=waiting.pk).update(
        next_run_at=now - timedelta(minutes=11), queued_at=now - timedelta(minutes=11)
    )
    assert jobs.recover(grace=0) == 1  # its task was lost (a flushed broker): run it
    assert CALLS == [{"n": 8}]


def test_recovery_reopens_a_job_whose_worker_died_while_running(monkeypatch):
    monkeypatch.setenv("SHUXIANG_JOBS_LEASE_SECONDS", "60")
    started = timezone.now() - timedelta(minutes=2)
    job = Job.objects.create(
        kind="test.remember",
        payload={"n": 6},
        state=Job.State.RUNNING,
        attempts=1,
        started_at=started,
        next_run_at=started,
    )
    young = Job.objects.create(
        kind="test.remember",
        state=Job.State.RUNNING,
        attempts=1,
        started_at=timezone.now(),
        next_run_at=timezone.now(),
    )
    jobs.recover(grace=0)
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("done", 2)
    assert CALLS == [{"n": 6}]
    young.refresh_from_db()
    assert young.state == "running"  # still within its lease: its worker may be alive


def test_progress_noted_by_a_handler_survives_a_retry():
    seen = []

    def two_steps(job):
        seen.append(dict(job.progress))
        if not job.progress.get("first"):
            jobs.note(job, first=True)
        raise OSError("second step failed")

    jobs.register("test.steps", two_steps)
    try:
        job = Job.objects.create(kind="test.steps", next_run_at=timezone.now())
        jobs.run(job.pk)
        Job.objects.filter(pk=job.pk).update(next_run_at=timezone.now())
        jobs.run(job.pk)
    finally:
        jobs.KINDS.pop("test.steps")
    assert seen == [{}, {"first": True}]


def test_a_failed_job_can_be_queued_again_from_scratch(django_capture_on_commit_callbacks):
    job = Job.objects.create(
        kind="test.remember",
        payload={"n": 7},
        state=Job.State.FAILED,
        attempts=3,
        next_run_at=timezone.now(),
    )
    with django_capture_on_commit_callbacks(execute=True):
        jobs.requeue(job)
    job.refresh_from_db()
    assert (job.state, job.attempts) == ("done", 1)
    assert CALLS == [{"n": 7}]
