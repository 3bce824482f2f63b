"""App configuration for usage statistics and operations monitoring."""

from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "shuxiang.stats"
    label = "stats"
    verbose_name = "Operations management"

    def ready(self) -> None:
        from shuxiang.core import jobs
        from shuxiang.stats import monitoring, signals

        signals.connect()
        jobs.register(monitoring.DELIVER, "shuxiang.stats.monitoring.deliver", max_attempts=6)
