"""SUSHI routes: ``status``, ``members``, ``reports`` and ``reports/<id>``."""

from django.urls import path

from shuxiang.stats.counter import sushi

urlpatterns = [
    path("status", sushi.status, name="sushi-status"),
    path("members", sushi.members, name="sushi-members"),
    path("reports", sushi.reports, name="sushi-reports"),
    path("reports/<slug:report_id>", sushi.report, name="sushi-report"),
]
