"""App configuration for analytics and recommendation (大数据分析)."""

from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "shuxiang.analytics"
    label = "analytics"
    verbose_name = "Shuxiang analytics and recommendation"
