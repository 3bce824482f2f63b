"""URLs of the catalog: ``/oai`` (OAI-PMH) and ``/search`` (the search page)."""

from django.urls import path

from shuxiang.catalog import views

app_name = "catalog"
urlpatterns = [
    path("oai", views.oai, name="oai"),
    path("oai/shuxiang-record.xsd", views.native_schema, name="native-schema"),
    path("search", views.search_page, name="search"),
]
