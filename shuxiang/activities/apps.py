"""App configuration for reading-promotion campaigns (推广活动)."""

from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "shuxiang.activities"
    label = "activities"
    verbose_name = "Shuxiang reading-promotion campaigns"
