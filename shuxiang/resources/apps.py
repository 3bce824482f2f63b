"""App configuration for digital resources and cloud publishing."""

from django.apps import AppConfig


class ResourcesConfig(AppConfig):
    name = "shuxiang.resources"
    label = "resources"
    verbose_name = "Digital resources"
