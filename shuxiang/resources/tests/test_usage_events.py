"""Resource pages and files report usage to the statistics platform."""

from __future__ import annotations

from shuxiang.resources import services
from shuxiang.resources.tests.helpers import make_resource
from shuxiang.stats import events
from shuxiang.stats.backends import get_backend


def test_viewing_and_downloading_a_resource_are_counted_once_each(client, staff, sx_collection):
    resource = make_resource(sx_collection, title="老照片")
    services.submit(resource, by=staff["sx_librarian"])
    services.publish(resource, by=staff["sx_admin"])
    original = resource.files.get(role="original")
    client.get(resource.get_absolute_url())
    client.get(f"/resources/{resource.pk}/files/{original.pk}")
    client.get(f"/resources/{resource.pk}/files/{original.pk}", HTTP_RANGE="bytes=100-200")
    events.flush()
    backend = get_backend()
    assert backend.count(kind="item_view", library="330600", resource_type="image") == 1
    assert backend.count(kind="download", item_id=f"resource:{resource.pk}") == 1
