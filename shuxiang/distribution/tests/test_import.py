"""Offline import: whole-bag validation first, provenance kept, resources published and
searchable at the receiving library, importing twice changes nothing."""

from __future__ import annotations

import pytest

from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import Conflict, PermissionDenied
from shuxiang.distribution import bagcheck, services
from shuxiang.distribution.models import ImportedResource, ImportRun
from shuxiang.resources.models import Resource, ResourceFile
from shuxiang.resources.storage import get_storage


def store_of(library) -> dict:
    """The library's imported store: {relative key: bytes} and each resource's metadata."""
    storage = get_storage()
    files = {}
    for row in ResourceFile.objects.filter(resource__library=library):
        relative = row.key.split("/", 2)[2]
        files[relative] = b"".join(storage.read_range(row.key))
    metadata = {}
    for held in ImportedResource.objects.filter(library=library).select_related("resource"):
        r = held.resource
        metadata[held.key] = {
            "fields": {
                f: getattr(r, f)
                for f in (
                    "title",
                    "type",
                    "subtype",
                    "creator",
                    "extra",
                    "identifier",
                    "status",
                    "access",
                )
            },
            "files": sorted(r.files.values_list("role", "order", "filename", "sha256", "size")),
            "version": held.version,
            "origin": held.origin,
        }
    return {"files": files, "metadata": metadata}


def test_import_publishes_with_provenance_and_twice_changes_nothing(
    net, staff, package, classics, tmp_path
):
    version = services.build_version(package, by=SYSTEM)
    bag = services.export_version(version, tmp_path, by=SYSTEM)
    county = net["zhuji"]
    with pytest.raises(PermissionDenied):
        bagcheck.import_bag(bag, county, by=staff["gs_admin"])
    result = bagcheck.import_bag(bag, county, by=SYSTEM)
    assert (result.created, result.updated, result.removed, result.already) == (3, 0, 0, False)
    imported = Resource.objects.filter(library=county)
    assert imported.count() == 3
    assert set(imported.values_list("status", flat=True)) == {"published"}
    held = ImportedResource.objects.get(resource__title="老照片一")
    assert held.package.external_id == "shuxiang:NLC:classics" and held.version == 1
    assert held.origin == f"NLC/{classics[0].pk}"
    source_file = classics[0].files.get(role="original")
    copy = held.resource.files.get(role="original")
    assert copy.sha256 == source_file.sha256 and copy.key != source_file.key
    before = store_of(county)

    again = bagcheck.import_bag(bag, county, by=SYSTEM)
    assert again.already
    assert store_of(county) == before
    assert ImportRun.objects.filter(library=county, state="done").count() == 1


def test_portal_and_search_show_imported_resources(
    net, package, tmp_path, client, django_capture_on_commit_callbacks
):
    from shuxiang.catalog.models import Record

    bag = services.export_version(services.build_version(package, by=SYSTEM), tmp_path, by=SYSTEM)
    with django_capture_on_commit_callbacks(execute=True):
        bagcheck.import_bag(bag, net["zhuji"], by=SYSTEM)
    titles = set(
        Record.objects.filter(library=net["zhuji"], deleted=False).values_list("title", flat=True)
    )
    assert {"老照片一", "老照片二"} <= titles
    listing = client.get("/resources/", {"library": "330681"}).content.decode()
    assert "老照片一" in listing
    copy = Resource.objects.get(library=net["zhuji"], title="老照片一")
    assert client.get(copy.get_absolute_url()).status_code == 200
    original = copy.files.get(role="original")
    opened = client.get(f"/resources/{copy.pk}/files/{original.pk}")
    assert opened.status_code == 200
    assert b"".join(opened.streaming_content) == b"".join(get_storage().read_range(original.key))


def test_an_older_version_or_a_delta_out_of_order_is_refused(net, package, classics, tmp_path):
    v1 = services.build_version(package, by=SYSTEM)
    classics[0].title = "老照片一（修订）"
    classics[0].save()
    v2 = services.build_version(package, by=SYSTEM, delta_from=1)
    v3 = services.build_version(package, by=SYSTEM, delta_from=2)
    county = net["zhuji"]
    with pytest.raises(Conflict) as caught:
        bagcheck.import_bag(v2.bag_path, county, by=SYSTEM)
    assert caught.value.errors[0].code == "wrong_base"
    bagcheck.import_bag(v1.bag_path, county, by=SYSTEM)
    with pytest.raises(Conflict):
        bagcheck.import_bag(v3.bag_path, county, by=SYSTEM)
    assert not Resource.objects.filter(library=county, title__contains="修订").exists()


def test_a_bag_carried_by_disk_counts_in_the_owners_deployment_status(
    net, package, classics, tmp_path
):
    from shuxiang.distribution import deployments
    from shuxiang.distribution.models import Deployment

    version = services.build_version(package, by=SYSTEM)
    bag = services.export_version(version, tmp_path, by=SYSTEM)
    bagcheck.import_bag(bag, net["zhuji"], by=SYSTEM)
    held = Deployment.objects.get(package=package, library=net["zhuji"])
    assert (held.state, held.held, held.version_id) == ("imported", 1, version.pk)
    rows = deployments.coverage(deployments.status(package, by=SYSTEM))
    county = next(row for row in rows if row["level"] == net["zhuji"].level)
    assert county["reached"] == county["current"] == 1
