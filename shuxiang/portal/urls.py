"""Pages of a branch site (also served below ``/s/<library>/``)."""

from django.urls import path

from shuxiang.portal import curate_views, reader_views, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("sites/", views.site_switcher, name="sites"),
    path("topics/<int:pk>/", views.topic, name="topic"),
    path("share/", views.share, name="share"),
    path("share/qr.svg", views.share_qr, name="share_qr"),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("icon.svg", views.icon, name="icon"),
    path("favicon.ico", views.icon),
    path("sw.js", views.service_worker, name="service_worker"),
    path("offline/", views.offline, name="offline"),
    path("read/<str:item_key>/", reader_views.read, name="read"),
    path("read/<str:item_key>/go/", reader_views.go, name="go"),
    path("read/<str:item_key>/<int:number>/", reader_views.chapter, name="chapter"),
    path("me/", reader_views.me, name="me"),
    path("me/preferences/", reader_views.set_preferences, name="preferences"),
    path("me/shelf/", reader_views.shelf, name="shelf"),
    path("me/likes/", reader_views.like, name="like"),
    path("me/bookmarks/", reader_views.bookmark, name="bookmark"),
    path("curate/", curate_views.dashboard, name="curate"),
    path("curate/new/<str:kind>/", curate_views.new_shelf, name="curate_new"),
    path("curate/<str:kind>/<int:pk>/", curate_views.edit_shelf, name="curate_shelf"),
    path(
        "curate/<str:kind>/<int:pk>/action/", curate_views.shelf_action, name="curate_shelf_action"
    ),
    path("curate/entries/<int:pk>/", curate_views.edit_entry, name="curate_entry"),
    path("curate/entries/<int:pk>/action/", curate_views.entry_action, name="curate_entry_action"),
]
