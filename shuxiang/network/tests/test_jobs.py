"""Staff see and retry the background jobs of their libraries: API, page and CLI, scoped."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from shuxiang.accounts.tests.factories import admin_of, user
from shuxiang.core.models import AuditEvent, Job
from shuxiang.network.tests.test_api import bearer

KIND = "stats.deliver_alert"  # a real kind; its alert is gone, so a run just finishes


def job(library: str, state: str = Job.State.FAILED, **fields) -> Job:
    fields = {"attempts": 6, "last_error": "attempt 6: OSError: refused", **fields}
    return Job.objects.create(
        kind=KIND,
        payload={"alert": 999_999},
        library_code=library,
        state=state,
        next_run_at=timezone.now(),
        **fields,
    )


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    return django_capture_on_commit_callbacks


@pytest.fixture
def jobs_of(net):
    return {
        "sx": job("330600"),
        "zhuji": job("330681", Job.State.DONE, attempts=1, last_error=""),
        "gs": job("620000"),
        "node": job(""),
    }


def test_an_administrator_lists_the_jobs_of_their_subtree_only(net, jobs_of):
    response = Client().get("/api/v1/jobs", **bearer(admin_of(net["sx"])))
    assert response.status_code == 200
    body = response.json()
    assert {r["library"] for r in body["results"]} == {"330600", "330681"}
    assert body["count"] == 2
    failed = Client().get("/api/v1/jobs?state=failed", **bearer(admin_of(net["sx"]))).json()
    assert [r["id"] for r in failed["results"]] == [jobs_of["sx"].pk]
    assert failed["results"][0]["last_error"] == "attempt 6: OSError: refused"


def test_a_job_outside_the_scope_is_not_revealed(net, jobs_of):
    headers = bearer(admin_of(net["sx"]))
    assert Client().get(f"/api/v1/jobs/{jobs_of['gs'].pk}", **headers).status_code == 404
    assert Client().post(f"/api/v1/jobs/{jobs_of['gs'].pk}/retry", **headers).status_code == 404
    assert Job.objects.get(pk=jobs_of["gs"].pk).state == "failed"


def test_anonymous_and_readers_see_no_jobs(net, jobs_of):
    assert Client().get("/api/v1/jobs").status_code == 401
    reader = Client().get("/api/v1/jobs", **bearer(user("reader"))).json()
    assert reader["count"] == 0


def test_a_bad_state_filter_names_the_field(net, jobs_of):
    response = Client().get("/api/v1/jobs?state=stuck", **bearer(admin_of(net["sx"])))
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "state"


def test_retrying_a_failed_job_runs_it_again_and_is_audited(net, jobs_of, after_commit):
    admin = admin_of(net["zj"])
    with after_commit(execute=True):
        response = Client().post(f"/api/v1/jobs/{jobs_of['sx'].pk}/retry", **bearer(admin))
    assert response.status_code == 200
    retried = Job.objects.get(pk=jobs_of["sx"].pk)
    assert (retried.state, retried.attempts) == ("done", 1)
    event = AuditEvent.objects.get(action="core.retry_job")
    assert (event.actor, event.target_id) == (admin, str(retried.pk))


def test_only_a_failed_job_can_be_retried(net, jobs_of):
    response = Client().post(
        f"/api/v1/jobs/{jobs_of['zhuji'].pk}/retry", **bearer(admin_of(net["sx"]))
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["field"] == "state"


def test_the_jobs_page_lists_and_retries(net, jobs_of, after_commit):
    client = Client()
    client.force_login(admin_of(net["sx"]))
    page = client.get("/network/jobs/?state=failed")
    assert page.status_code == 200
    assert "attempt 6: OSError: refused" in page.content.decode()
    assert "620000" not in page.content.decode()
    with after_commit(execute=True):
        client.post(f"/network/jobs/{jobs_of['sx'].pk}/retry/")
    assert Job.objects.get(pk=jobs_of["sx"].pk).state == "done"


def test_the_cli_lists_retries_and_recovers(net, jobs_of, after_commit):
    out = StringIO()
    call_command("jobs", "list", "--state", "failed", stdout=out)
    assert "3 jobs" in out.getvalue()
    assert "attempt 6: OSError: refused" in out.getvalue()
    out = StringIO()
    admin_of(net["sx"], username="sx_admin")
    with after_commit(execute=True):
        call_command("jobs", "--as", "sx_admin", "retry", "--all-failed", stdout=out)
    assert out.getvalue().strip() == f"job {jobs_of['sx'].pk} queued again"
    assert Job.objects.get(pk=jobs_of["gs"].pk).state == "failed"
    with pytest.raises(CommandError):
        call_command("jobs", "--as", "sx_admin", "retry", str(jobs_of["gs"].pk))
    Job.objects.filter(pk=jobs_of["gs"].pk).update(state=Job.State.PENDING)
    out = StringIO()
    call_command("jobs", "recover", stdout=out)
    assert out.getvalue().strip() == "1 jobs enqueued"
    assert Job.objects.get(pk=jobs_of["gs"].pk).state == "done"
