"""Pages of resource packages."""

from django.urls import path

from shuxiang.distribution import views

app_name = "distribution"
urlpatterns = [
    path("", views.package_list, name="list"),
    path("new/", views.package_create, name="create"),
    path("<int:pk>/", views.package_detail, name="detail"),
    path("<int:pk>/rule/", views.package_rule, name="rule"),
    path("<int:pk>/build/", views.package_build, name="build"),
]
