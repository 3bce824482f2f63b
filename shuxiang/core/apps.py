"""App configuration for the core app."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "shuxiang.core"
    label = "core"
    verbose_name = "Shuxiang core"
