"""App configuration for the identifiers app."""

from django.apps import AppConfig


class IdentifiersConfig(AppConfig):
    name = "shuxiang.identifiers"
    label = "identifiers"
    verbose_name = "Shuxiang identifiers"
