"""``shuxiang analytics run JOB --engine duckdb|spark`` (and ``list``, ``nightly``)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from shuxiang.analytics import engines, services
from shuxiang.analytics.jobs import JOBS
from shuxiang.core.errors import ServiceError


class Command(BaseCommand):
    help = "Run analytics jobs (大数据分析) on DuckDB (embedded) or Apache Spark."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        run = sub.add_parser("run", help="run one job, or 'all' in order")
        run.add_argument("job", help="a job name (see 'list') or 'all'")
        run.add_argument("--engine", default="duckdb", help="duckdb or spark")
        sub.add_parser("list", help="the jobs and what they compute")
        nightly = sub.add_parser("nightly", help="every job in order, with retries")
        nightly.add_argument("--engine", default="duckdb", help="duckdb or spark")

    def handle(self, *args, action: str, **options) -> None:
        if action == "list":
            for job in JOBS.values():
                self.stdout.write(f"{job.name:16} {job.description}")
            return
        engine = options["engine"]
        try:
            if action == "nightly" or options["job"] == "all":
                runs = services.run_nightly(engine)
            else:
                runs = [services.run_job(options["job"], engine)]
        except ServiceError as error:
            raise CommandError(str(error)) from error
        finally:
            engines.stop_spark()
        for run in runs:
            self.stdout.write(
                f"{run.job} on {run.engine}: {run.status}, {run.rows} rows from {run.events}"
                f" events in {run.seconds:.2f} s"
            )
