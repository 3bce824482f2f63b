"""App configuration for linked data (关联数据)."""

from django.apps import AppConfig


class LinkeddataConfig(AppConfig):
    name = "shuxiang.linkeddata"
    label = "linkeddata"
    verbose_name = "Shuxiang linked data"

    def ready(self) -> None:
        from shuxiang.linkeddata import sync, tasks  # noqa: F401  (registers the huey tasks)

        sync.connect()
