"""App configuration: connects the incremental search indexing signals."""

from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "shuxiang.catalog"
    label = "catalog"
    verbose_name = "Catalog"
