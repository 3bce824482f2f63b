"""URL map of the node: pages per app, the JSON API, probes and language switching."""

from django.urls import include, path
from django.views.i18n import set_language

from shuxiang.accounts import views as accounts_views
from shuxiang.api import api
from shuxiang.core import views as core_views
from shuxiang.core.metrics import metrics_view
from shuxiang.identifiers import views as identifier_views

urlpatterns = [
    path("healthz", core_views.healthz, name="healthz"),
    path("readyz", core_views.readyz, name="readyz"),
    path("metrics", metrics_view, name="metrics"),
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/language/", core_views.switch_language, name="switch_language"),
    path("accounts/login/", accounts_views.login_view, name="login"),
    path("accounts/logout/", accounts_views.logout_view, name="logout"),
    path("accounts/", include("shuxiang.accounts.urls")),
    path("", include("shuxiang.accounts.oidc_urls")),
    path("network/", include("shuxiang.network.urls")),
    path("identifiers/", include("shuxiang.identifiers.urls")),
    path("id/<path:name>", identifier_views.resolve, name="resolve"),
    path("resources/", include("shuxiang.resources.urls")),
    path("packages/", include("shuxiang.distribution.urls")),
    path("packages/", include("shuxiang.distribution.push_urls")),
    path("api/v1/", api.urls),
    path("", include("shuxiang.linkeddata.urls")),
    path("", include("shuxiang.catalog.urls")),
    path("stats/", include("shuxiang.stats.urls")),
    path("analytics/", include("shuxiang.analytics.urls")),
    path("courses/", include("shuxiang.courses.urls")),
    path("proxy/", include("shuxiang.proxy.urls")),
    path("activities/", include("shuxiang.activities.urls")),
    path("federation/", include("shuxiang.federation.urls")),
    path("sushi/r5/", include("shuxiang.stats.counter.urls")),
    path("", include("shuxiang.portal.urls")),
]
