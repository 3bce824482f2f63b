"""App configuration for federation between nodes (互联互通)."""

from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "shuxiang.federation"
    label = "federation"
    verbose_name = "Federation"

    def ready(self) -> None:
        from shuxiang.core import jobs
        from shuxiang.federation import sync

        jobs.register(sync.SYNC_JOB, "shuxiang.federation.sync.run_job", max_attempts=3)
        jobs.register(
            "federation.notify_decision", "shuxiang.federation.joining.notify_decision",
            max_attempts=8,
        )  # fmt: skip
