"""URL patterns of identifiers along the tree, included by ``federation/urls.py``."""

from django.urls import path

from shuxiang.federation import pid_pages, pid_peer

peer = [
    path("peer/identifiers/report", pid_peer.report, name="peer-identifiers-report"),
    path(
        "peer/identifiers/delegation", pid_peer.delegation_view, name="peer-identifiers-delegation"
    ),
    path("peer/identifiers/lookup", pid_peer.lookup, name="peer-identifiers-lookup"),
    path("peer/identifiers/revocation", pid_peer.revocation, name="peer-identifiers-revocation"),
]
pages = [path("prefixes/", pid_pages.prefixes, name="prefixes")]
