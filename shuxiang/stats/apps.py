"""App configuration for usage statistics and operations monitoring."""

from django.apps import AppConfig


class StatsConfig(AppConfig):
    name = "shuxiang.stats"
    label = "stats"
    verbose_name = "Operations management"

    def ready(self) -> None:
        from shuxiang.stats import signals

        signals.connect()
