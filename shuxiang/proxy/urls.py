from django.urls import path

from shuxiang.proxy import views

app_name = "proxy"
urlpatterns = [
    path("login", views.login, name="login"),
    path("vendors/", views.vendors, name="vendors"),
    path("vendors/<int:pk>/", views.vendor, name="vendor"),
    path("pauses/<int:pk>/lift", views.lift, name="lift"),
    path("configuration/", views.configuration, name="configuration"),
]
