"""URL map of the node: pages per app, the JSON API, probes and language switching."""

from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from shuxiang.api import api
from shuxiang.core import views as core_views

urlpatterns = [
    path("", core_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("i18n/setlang/", set_language, name="set_language"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="core/login.html"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="/"), name="logout"),
    path("network/", include("shuxiang.network.urls")),
    path("api/v1/", api.urls),
    path("stats/", include("shuxiang.stats.urls")),
    path("sushi/r5/", include("shuxiang.stats.counter.urls")),
]
