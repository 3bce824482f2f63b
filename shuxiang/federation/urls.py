"""Federation URLs: signed node-to-node endpoints under peer/, staff pages at the top."""

from django.urls import path

from shuxiang.federation import figures_views, peer, peer_oai, pid_urls, sso_views, views

app_name = "federation"

urlpatterns = [
    path("", views.node_list, name="nodes"),
    path("nodes/<int:pk>/<str:action>/", views.decide, name="decide"),
    path("keys.json", peer.public_keys, name="public-keys"),
    # node-to-node (signed); one line per endpoint, each part appends its own
    path("peer/join", peer.peer_join, name="peer-join"),
    path("peer/decision", peer.peer_decision, name="peer-decision"),
    path("peer/keys", peer.peer_keys, name="peer-keys"),
    path("peer/libraries", peer.peer_libraries, name="peer-libraries"),
    *pid_urls.peer,  # fed-ids: peer/identifiers/report|delegation|lookup
    *pid_urls.pages,  # fed-ids: prefixes/
    path("peer/rollups", figures_views.peer_rollups, name="peer-rollups"),
    path("peer/heartbeat", figures_views.peer_heartbeat, name="peer-heartbeat"),
    path("peer/oai", peer_oai.peer_oai, name="peer-oai"),
    path("peer/sso/client", sso_views.peer_client_view, name="peer-sso-client"),
    path("peer/sso/logout", sso_views.peer_logout_view, name="peer-sso-logout"),
    # one identity across nodes (browser pages and the back-channel logout endpoint)
    path("sso/login/", sso_views.login_view, name="sso-login"),
    path("sso/callback/", sso_views.callback_view, name="sso-callback"),
    path("sso/logged-out/", sso_views.logged_out_view, name="sso-logged-out"),
    path("sso/backchannel-logout/", sso_views.backchannel_logout_view, name="sso-backchannel"),
]
