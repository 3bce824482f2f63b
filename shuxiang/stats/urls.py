"""Pages of the operations platform under ``/stats/``."""

from django.urls import path

from shuxiang.stats import views

app_name = "stats"
urlpatterns = [
    path("", views.dashboard, name="home"),
    path("weights/", views.weights, name="weights"),
    path("outages/", views.outages, name="outages-home"),
    path("<str:code>/", views.dashboard, name="dashboard"),
    path("<str:code>/export.csv", views.dashboard_export, {"fmt": "csv"}, name="export-csv"),
    path("<str:code>/export.xlsx", views.dashboard_export, {"fmt": "xlsx"}, name="export-xlsx"),
    path("<str:code>/assessment/", views.assessment, name="assessment"),
    path("<str:code>/outages/", views.outages, name="outages"),
]
