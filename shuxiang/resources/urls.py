"""Pages of digital resources: reading, delivery, the librarian's workbench and tus uploads."""

from django.urls import path

from shuxiang.resources import manage_views, tus, views

app_name = "resources"
urlpatterns = [
    path("", views.resource_list, name="list"),
    path("<int:pk>/", views.resource_detail, name="detail"),
    path("<int:pk>/chapters/<int:order>/", views.chapter, name="chapter"),
    path("<int:pk>/files/<int:file_id>", views.file_view, name="file"),
    path("manage/", manage_views.workbench, name="manage"),
    path("manage/new/", manage_views.create, name="create"),
    path("manage/<int:pk>/", manage_views.edit, name="edit"),
    path("manage/<int:pk>/act/", manage_views.act, name="act"),
    path("manage/imports/", manage_views.imports, name="imports"),
    path("manage/imports/<int:pk>/", manage_views.import_detail, name="import_detail"),
    path("uploads/", tus.collection_endpoint, name="tus"),
    path("uploads/<uuid:upload_id>", tus.upload_endpoint, name="tus_upload"),
]
