"""Pages of the open courses under ``/courses/``."""

from django.urls import path

from shuxiang.courses import views

app_name = "courses"
urlpatterns = [
    path("", views.index, name="index"),
    path("site/<str:code>/", views.branch, name="branch"),
    path("site/<str:code>/curate/", views.curate, name="curate"),
    path("embed/<str:code>/", views.embed, name="embed"),
    path("c/<int:pk>/", views.course, name="course"),
    path("l/<int:pk>/", views.lecture, name="lecture"),
    path("l/<int:pk>/ask", views.ask, name="ask"),
    path("l/<int:pk>/host/", views.host, name="host"),
    path("l/<int:pk>/keywords/", views.keywords, name="keywords"),
    path("q/<int:pk>/moderate", views.moderate, name="moderate"),
    path("live/<int:pk>/events", views.events_fallback, name="events"),
    path("<str:kind>/<str:pk>/", views.listing, name="listing"),
    path("subscribe", views.subscribe, name="subscribe"),
    path("inbox/", views.inbox, name="inbox"),
]
