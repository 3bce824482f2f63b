"""Running analytics jobs (作业) and readers' recommendation preference.

``run_job`` exports the stats app's events to Parquet, runs one job on the chosen engine,
stores the rows for serving and records the run (progress, duration, outcome). ``run_nightly``
runs every job in dependency order and retries a failed one; each attempt is a visible run.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from shuxiang.analytics import engines
from shuxiang.analytics.export import Inputs, export_inputs
from shuxiang.analytics.jobs import JOBS
from shuxiang.analytics.models import JobRun, ReaderRecommendation, RecommendationOptOut
from shuxiang.analytics.store import store
from shuxiang.core import audit
from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import PermissionDenied, ValidationFailed
from shuxiang.network.scopes import unrestricted
from shuxiang.stats.events import pseudonym

logger = logging.getLogger(__name__)
# co_readers before reader_history: personal recommendations use the stored neighbours.
ORDER = tuple(JOBS)


def check_job(name: str, engine: str) -> None:
    """ValidationFailed naming the field when the job or the engine is unknown."""
    if name not in JOBS:
        raise ValidationFailed(
            _("job: unknown job %(name)s; known: %(known)s")
            % {"name": name, "known": ", ".join(JOBS)}
        )
    if engine not in engines.ENGINES:
        raise ValidationFailed(
            _("engine: must be one of %(known)s") % {"known": ", ".join(engines.ENGINES)}
        )


def _require_node(by: object) -> None:
    if not unrestricted(by):
        raise PermissionDenied(_("Only the node itself or a superuser may run analytics jobs."))


def _inputs_folder() -> Path:
    root = Path(settings.DATA_DIR) / "analytics"
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="inputs-", dir=root))


def export(by: object = SYSTEM, *, first: date | None = None, last: date | None = None) -> Inputs:
    """The stats app's events (and the library tree) as Parquet for the jobs."""
    _require_node(by)
    return export_inputs(_inputs_folder(), first=first, last=last)


def run_job(
    name: str,
    engine: str = "duckdb",
    *,
    by: object = SYSTEM,
    inputs: Inputs | None = None,
    attempt: int = 1,
) -> JobRun:
    """Run job ``name`` on ``engine``, store its rows (in batches, one transaction, after the
    engine has finished), and return the recorded run."""
    check_job(name, engine)
    _require_node(by)
    run = JobRun.objects.create(job=name, engine=engine, attempt=attempt, progress="export")
    began = time.perf_counter()
    own = inputs is None
    try:
        inputs = inputs or export(by)
        _progress(run, "run", events=inputs.events)
        with engines.result(JOBS[name], inputs, engine) as result:
            _progress(run, "store")
            run.rows = store(name, result.batches())
        run.status = JobRun.Status.DONE
        run.progress = "done"
    except Exception as error:  # recorded and re-raised: the caller decides on retries
        run.status, run.error = JobRun.Status.FAILED, f"{type(error).__name__}: {error}"[:4000]
        raise
    finally:
        if own and inputs is not None:
            shutil.rmtree(inputs.folder, ignore_errors=True)
        run.seconds = time.perf_counter() - began
        run.finished_at = timezone.now()
        run.save()
    return run


def _progress(run: JobRun, step: str, **fields) -> None:
    run.progress = step
    for name, value in fields.items():
        setattr(run, name, value)
    run.save(update_fields=["progress", *fields])


def run_nightly(engine: str = "duckdb", *, by: object = SYSTEM, retries: int = 2) -> list[JobRun]:
    """Every job in order over one export; a failed job is tried again up to ``retries`` times."""
    _require_node(by)
    inputs = export(by)
    runs = []
    try:
        for name in ORDER:
            for attempt in range(1, retries + 2):
                try:
                    runs.append(run_job(name, engine, by=by, inputs=inputs, attempt=attempt))
                    break
                except Exception:
                    logger.exception("analytics job %s failed (attempt %s)", name, attempt)
                    runs.append(JobRun.objects.filter(job=name).first())
    finally:
        shutil.rmtree(inputs.folder, ignore_errors=True)
    return runs


def set_opt_out(user, opted_out: bool, *, by: object) -> bool:
    """Turn a reader's opt-out of personal recommendations on or off (only for themselves)."""
    if getattr(by, "pk", None) != user.pk:
        raise PermissionDenied(_("Only readers themselves may change this preference."))
    if opted_out:
        row, _created = RecommendationOptOut.objects.get_or_create(user=user)
        audit.record(by, "analytics.opt_out", row)
    else:
        RecommendationOptOut.objects.filter(user=user).delete()
    if opted_out:
        ReaderRecommendation.objects.filter(reader=pseudonym(user)).delete()
    return opted_out


def is_opted_out(user) -> bool:
    return bool(user.pk) and RecommendationOptOut.objects.filter(user=user).exists()
