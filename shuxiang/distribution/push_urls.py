"""Pages of network push (under /packages/) and the offered bags' files."""

from django.urls import path

from shuxiang.distribution import bagserve, push_views

app_name = "distribution_push"
urlpatterns = [
    path("<int:pk>/deployments/", push_views.deployment_list, name="deployments"),
    path("<int:pk>/push/", push_views.push, name="push"),
    path("transfers/", push_views.transfer_list, name="transfers"),
    path("offers/<str:token>/files/<path:path>", bagserve.bag_file, name="bag_file"),
]
