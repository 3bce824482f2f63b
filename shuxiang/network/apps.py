"""App configuration for the library network."""

from django.apps import AppConfig


class NetworkConfig(AppConfig):
    name = "shuxiang.network"
    label = "network"
    verbose_name = "Library network"
