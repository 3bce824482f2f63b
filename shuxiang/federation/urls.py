"""Federation URLs: signed node-to-node endpoints under peer/, staff pages at the top."""

from django.urls import path

from shuxiang.federation import peer, peer_oai, views

app_name = "federation"

urlpatterns = [
    path("", views.node_list, name="nodes"),
    path("nodes/<int:pk>/<str:action>/", views.decide, name="decide"),
    # node-to-node (signed); one line per endpoint, each part appends its own
    path("peer/join", peer.peer_join, name="peer-join"),
    path("peer/decision", peer.peer_decision, name="peer-decision"),
    path("peer/keys", peer.peer_keys, name="peer-keys"),
    path("peer/oai", peer_oai.peer_oai, name="peer-oai"),
]
