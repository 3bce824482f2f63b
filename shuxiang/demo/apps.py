"""App configuration for the demo loader (it only contributes the ``demo`` command)."""

from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "shuxiang.demo"
    label = "demo"
    verbose_name = "Shuxiang demo"
