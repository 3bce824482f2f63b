"""Librarian and reader pages: upload form, errors by field, workflow buttons, reading."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from shuxiang.resources.models import Resource
from shuxiang.resources.tests.helpers import png_bytes, published


def test_librarian_uploads_through_the_form_and_lands_on_the_edit_page(
    client, staff, sx_collection
):
    client.force_login(staff["sx_librarian"])
    response = client.post("/resources/manage/new/", {
        "type": "image", "collection": sx_collection.pk, "title": "绍兴老街",
        "subtype": "old_photograph", "titles": "en: Old street", "extra.place": "绍兴",
        "access": "public", "file": SimpleUploadedFile("street.png", png_bytes(), "image/png"),
    })  # fmt: skip
    resource = Resource.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == f"/resources/manage/{resource.pk}/"
    )
    assert resource.titles == {"en": "Old street"} and resource.extra == {"place": "绍兴"}
    page = client.get(response["Location"]).content.decode()
    assert "street.png" in page and 'value="submit"' in page


def test_form_errors_are_shown_next_to_their_field_and_nothing_is_stored(
    client, staff, sx_collection
):
    client.force_login(staff["sx_librarian"])
    with translation.override("en"):
        response = client.post("/resources/manage/new/", {
            "type": "web_record", "collection": sx_collection.pk, "title": "公告",
            "extra.source_url": "not a url", "access": "public",
        }, HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip
    assert response.status_code == 400
    assert "Use a full http:// or https:// address." in response.content.decode()
    assert not Resource.objects.exists()


def test_admin_publishes_from_the_workbench_and_the_reader_sees_the_image(
    client, staff, sx_collection
):
    from shuxiang.resources import services

    client.force_login(staff["sx_librarian"])
    client.post("/resources/manage/new/", {
        "type": "image", "collection": sx_collection.pk, "title": "年画",
        "subtype": "new_year_painting", "access": "public",
        "file": SimpleUploadedFile("nianhua.png", png_bytes("red"), "image/png"),
    })  # fmt: skip
    resource = Resource.objects.get()
    client.post(f"/resources/manage/{resource.pk}/act/", {"action": "submit"})
    client.force_login(staff["sx_admin"])
    client.post(f"/resources/manage/{resource.pk}/act/", {"action": "publish"})
    assert Resource.objects.get().status == services.Resource.Status.PUBLISHED
    client.logout()
    page = client.get(f"/resources/{resource.pk}/").content.decode()
    assert "<img" in page and "nianhua.png" in page


def test_reader_page_of_a_drafts_is_404_and_of_a_denied_resource_explains(
    client, net, sx_collection
):
    from shuxiang.resources.tests.helpers import make_resource, upload

    draft = make_resource(sx_collection, files=[upload("d.png", png_bytes("black"))])
    assert client.get(f"/resources/{draft.pk}/").status_code == 404
    staff_only = published(sx_collection, access="staff")
    with translation.override("en"):
        page = client.get(f"/resources/{staff_only.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Only staff of 330600图书馆" in page.content.decode()
    assert "<img" not in page.content.decode()


def test_import_pages_list_batches_with_their_report(client, staff, sx_collection, tmp_path):
    from shuxiang.core.actors import SYSTEM
    from shuxiang.resources.ingest import import_folder
    from shuxiang.resources.tests.test_ingest import write_folder

    folder, manifest = write_folder(tmp_path, [
        {"file": "photos/0.png", "type": "image", "subtype": "old_photograph", "title": "好"},
        {"file": "photos/9.png", "type": "image", "subtype": "old_photograph", "title": "缺"},
    ])  # fmt: skip
    report = import_folder(folder, manifest, collection=sx_collection, by=SYSTEM)
    client.force_login(staff["sx_librarian"])
    assert "manifest.csv" in client.get("/resources/manage/imports/").content.decode()
    detail = client.get(f"/resources/manage/imports/{report.batch.pk}/").content.decode()
    assert "file.0" in detail and "9.png" in detail
