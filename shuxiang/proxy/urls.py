from django.urls import path

from shuxiang.proxy import views

app_name = "proxy"
urlpatterns = [
    path("login", views.login, name="login"),
    path("vendors/", views.vendors, name="vendors"),
]
