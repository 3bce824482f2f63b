"""Pages of the library network."""

from django.urls import path

from shuxiang.network import views

app_name = "network"
urlpatterns = [
    path("", views.network_index, name="index"),
    path("admissions/", views.admission_queue, name="admissions"),
    path("<str:code>/", views.library_detail, name="library"),
    path("<str:code>/decide/", views.decide_admission, name="decide"),
]
