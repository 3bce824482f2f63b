"""URLs of the linked data: ``/sparql``, ``/ld/dumps/``, ``/ld/void`` and the entity pages."""

from django.urls import path

from shuxiang.linkeddata import views

app_name = "linkeddata"
urlpatterns = [
    path("sparql", views.sparql, name="sparql"),
    path("ld/dumps/", views.dump_list, name="dumps"),
    path("ld/dumps/<str:name>", views.dump_file, name="dump"),
    path("ld/void", views.void, name="void"),
    path("ld/person/<path:key>/", views.person, name="person"),
    path("ld/subject/<path:key>/", views.subject, name="subject"),
    path("ld/place/<str:key>/", views.place, name="place"),
    path("ld/work/<str:key>/", views.work, name="work"),
]
