from django.urls import path

from shuxiang.analytics import demand_views, views

app_name = "analytics"
urlpatterns = [
    path("", views.reports, name="reports"),
    path("jobs/", views.job_runs, name="jobs"),
    path("preferences/", views.preferences, name="preferences"),
    path("demand/", demand_views.reader_demand, name="demand"),
    path("demand/answers/", demand_views.answer_requests, name="answers"),
    path("<str:code>/", views.reports, name="library"),
]
