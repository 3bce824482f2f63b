"""App configuration for the core app."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shuxiang.core"
    label = "core"
    verbose_name = "Shuxiang core"

    def ready(self) -> None:
        # The job task, its periodic recovery and the worker-start hook must be registered in
        # every process that consumes the queue, including ``serve``'s embedded consumer.
        from shuxiang.core import tasks  # noqa: F401
