"""Pages of network push (under /packages/) and the offered bags' files."""

from django.urls import path

from shuxiang.distribution import bagserve, peer, push_views

app_name = "distribution_push"
urlpatterns = [
    path("<int:pk>/deployments/", push_views.deployment_list, name="deployments"),
    path("<int:pk>/push/", push_views.push, name="push"),
    path("transfers/", push_views.transfer_list, name="transfers"),
    path("offers/<str:token>/files/<path:path>", bagserve.bag_file, name="bag_file"),
    path("peer/offers", peer.offers, name="peer_offers"),
    path(
        "peer/offers/<int:deployment>/<int:version>/files/<path:path>",
        peer.bag_file,
        name="peer_bag_file",
    ),  # fmt: skip
    path("peer/offers/<int:deployment>/<int:version>/batch", peer.files, name="peer_batch"),
    path("peer/offers/<int:deployment>/<int:version>/report", peer.report, name="peer_report"),
    path("peer/offers/<int:deployment>/<int:version>/subtree", peer.subtree, name="peer_subtree"),
]
