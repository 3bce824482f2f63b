"""Published resources reach the metadata warehouse and search; withdrawn ones leave it."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser

from shuxiang.catalog.models import Record
from shuxiang.catalog.search.service import search
from shuxiang.resources import services
from shuxiang.resources.tests.helpers import make_resource


def _titles(q: str) -> list[str]:
    return [hit.record.title for hit in search(actor=AnonymousUser(), q=q).hits]


def test_a_published_resource_is_found_by_search_and_a_withdrawn_one_is_not(
    staff, sx_collection, django_capture_on_commit_callbacks
):
    resource = make_resource(sx_collection, title="绍兴老城风貌照片", creator="鲁迅纪念馆")
    services.submit(resource, by=staff["sx_librarian"])
    assert _titles("绍兴老城") == []  # drafts stay out of the warehouse
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(resource, by=staff["sx_admin"])
    assert _titles("绍兴老城") == ["绍兴老城风貌照片"]
    assert _titles("紹興老城") == ["绍兴老城风貌照片"]  # traditional characters find it too
    record = Record.objects.get(local_id=f"resource:{resource.pk}")
    assert record.library.code == "330600" and record.access_policy == "public"

    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw(resource, by=staff["sx_admin"], reason="撤回")
    assert _titles("绍兴老城") == []
    assert Record.objects.get(local_id=f"resource:{resource.pk}").deleted


def test_a_staff_only_resource_is_invisible_to_anonymous_search(
    staff, sx_collection, django_capture_on_commit_callbacks
):
    resource = make_resource(sx_collection, title="内部工作照片", access="staff")
    services.submit(resource, by=staff["sx_librarian"])
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(resource, by=staff["sx_admin"])
    assert _titles("内部工作照片") == []
    staff_titles = [h.record.title for h in search(actor=staff["sx_admin"], q="内部工作照片").hits]
    assert staff_titles == ["内部工作照片"]
