"""Federation pages (/federation/) and signed node-to-node endpoints (/federation/peer/)."""

from django.urls import path

from shuxiang.federation import sso_views

app_name = "federation"
urlpatterns = [
    path("sso/login/", sso_views.login_view, name="sso_login"),
    path("sso/callback/", sso_views.callback_view, name="sso_callback"),
    path("sso/logged-out/", sso_views.logged_out_view, name="sso_logged_out"),
    path("sso/backchannel-logout/", sso_views.backchannel_logout_view, name="sso_backchannel"),
    path("peer/sso/client", sso_views.peer_client_view, name="peer_sso_client"),
    path("peer/sso/logout", sso_views.peer_logout_view, name="peer_sso_logout"),
]
