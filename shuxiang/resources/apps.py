"""App configuration for digital resources and cloud publishing."""

from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "shuxiang.resources"
    label = "resources"
    verbose_name = "Digital resources"

    def ready(self) -> None:
        from shuxiang.core import jobs
        from shuxiang.resources import catalog_sync, pid, tasks

        jobs.register(pid.REGISTER, "shuxiang.resources.pid.register_job", max_attempts=8)
        jobs.register(pid.WITHDRAW, "shuxiang.resources.pid.withdraw_job", max_attempts=8)
        jobs.register(catalog_sync.SYNC, "shuxiang.resources.catalog_sync.sync_job")
        jobs.register(tasks.MAKE, "shuxiang.resources.tasks.make_derivative", max_attempts=3)
