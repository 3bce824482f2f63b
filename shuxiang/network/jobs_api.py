"""JSON API of the node's after-commit jobs: staff list, inspect and retry their libraries' jobs."""

from __future__ import annotations

from datetime import datetime

from ninja import Query, Router, Schema

from shuxiang.core.api import AUTH, ErrorOut, paginate
from shuxiang.network import jobs

router = Router(tags=["jobs"])
ERRORS = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut}


class BackgroundJobOut(Schema):
    id: int
    kind: str
    library: str
    state: str
    attempts: int
    max_attempts: int
    payload: dict
    progress: dict
    last_error: str
    next_run_at: datetime
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @staticmethod
    def resolve_library(job) -> str:
        return job.library_code


class JobPage(Schema):
    count: int
    page: int
    page_size: int
    results: list[BackgroundJobOut]


class JobFilter(Schema):
    state: str = ""
    kind: str = ""
    library: str = ""
    page: int = 1
    page_size: int = 50


@router.get(
    "/jobs",
    response={200: JobPage, **ERRORS},
    auth=AUTH,
    summary="Background jobs of the libraries you administer (newest first)",
)
def list_jobs(request, filters: Query[JobFilter]):
    queryset = jobs.find_jobs(
        request.auth, state=filters.state, kind=filters.kind, library=filters.library
    )
    return paginate(queryset, filters.page, filters.page_size)


@router.get("/jobs/{job_id}", response={200: BackgroundJobOut, **ERRORS}, auth=AUTH)
def get_job(request, job_id: int):
    return jobs.get_job(request.auth, job_id)


@router.post(
    "/jobs/{job_id}/retry",
    response={200: BackgroundJobOut, **ERRORS},
    auth=AUTH,
    summary="Run a failed job again",
)
def retry_job(request, job_id: int):
    return jobs.retry(job_id, by=request.auth)
