"""App configuration: connects the incremental search indexing signals."""

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "shuxiang.catalog"
    label = "catalog"
    verbose_name = "Catalog"

    def ready(self) -> None:
        from shuxiang.catalog import bulkstore
        from shuxiang.core import jobs

        jobs.register(bulkstore.INDEX_JOB, "shuxiang.catalog.bulkstore.index_job")
