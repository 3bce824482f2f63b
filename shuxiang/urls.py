"""URL map of the node: pages per app, the JSON API, probes and language switching."""

from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from shuxiang.api import api
from shuxiang.core import views as core_views
from shuxiang.core.metrics import metrics_view

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("i18n/setlang/", set_language, name="set_language"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="core/login.html"),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(next_page="/"), name="logout"),
    path("network/", include("shuxiang.network.urls")),
    path("api/v1/", api.urls),
    path("", include("shuxiang.portal.urls")),
]
