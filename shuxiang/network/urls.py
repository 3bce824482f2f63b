"""Pages of the library network."""

from django.urls import path

from shuxiang.network import views

app_name = "network"
urlpatterns = [
    path("", views.network_index, name="index"),
    path("admissions/", views.admission_queue, name="admissions"),
    path("apply/", views.apply_for_admission, name="apply"),
    path("jobs/", views.job_list, name="jobs"),
    path("jobs/<int:pk>/retry/", views.retry_job, name="retry_job"),
    path("<str:code>/", views.library_detail, name="library"),
    path("<str:code>/decide/", views.decide_admission, name="decide"),
    path("<str:code>/edit/", views.edit_library, name="edit"),
]
