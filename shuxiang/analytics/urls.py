from django.urls import path

from shuxiang.analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.reports, name="reports"),
    path("jobs/", views.job_runs, name="jobs"),
    path("preferences/", views.preferences, name="preferences"),
    path("<str:code>/", views.reports, name="library"),
]
