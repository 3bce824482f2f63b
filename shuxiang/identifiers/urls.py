"""Pages of the identifier system (the resolver itself is mounted at ``/id/``)."""

from django.urls import path

from shuxiang.identifiers import views

app_name = "identifiers"
urlpatterns = [
    path("", views.search, name="search"),
    path("apply/", views.apply, name="apply"),
    path("mine/", views.mine, name="mine"),
    path("review/", views.review_queue, name="review"),
    path("review/decide/", views.decide, name="decide"),
    path("maintain/", views.maintain, name="maintain"),
    path("record/<path:name>", views.detail, name="detail"),
]
