"""Publishing workflow by role, audited; distribution of central resources to branches."""

from __future__ import annotations

import pytest

from shuxiang.core.errors import Conflict, PermissionDenied, ValidationFailed
from shuxiang.core.models import AuditEvent
from shuxiang.resources import distribution, services
from shuxiang.resources.models import Resource
from shuxiang.resources.tests.helpers import make_resource, png_bytes, upload


def actions_on(resource) -> list[str]:
    rows = AuditEvent.objects.filter(target_type="resources.resource", target_id=str(resource.pk))
    return [row.action for row in rows.order_by("id")]


def test_librarian_submits_and_library_admin_publishes(staff, sx_collection):
    resource = make_resource(sx_collection, by=staff["sx_librarian"])
    services.submit(resource, by=staff["sx_librarian"])
    services.publish(resource, by=staff["sx_admin"])
    resource.refresh_from_db()
    assert resource.status == Resource.Status.PUBLISHED and resource.published_at
    assert actions_on(resource) == ["resources.create", "resources.submit", "resources.publish"]


def test_librarian_cannot_publish(staff, sx_collection):
    resource = make_resource(sx_collection, by=staff["sx_librarian"])
    services.submit(resource, by=staff["sx_librarian"])
    with pytest.raises(PermissionDenied):
        services.publish(resource, by=staff["sx_librarian"])
    assert Resource.objects.get(pk=resource.pk).status == Resource.Status.SUBMITTED


def test_admin_of_another_province_cannot_touch_the_resource(staff, sx_collection):
    resource = make_resource(sx_collection)
    with pytest.raises(PermissionDenied):
        services.submit(resource, by=staff["gs_admin"])
    with pytest.raises(PermissionDenied):
        services.create_resource(
            {"type": "image", "subtype": "old_photograph", "title": "x"},
            collection=sx_collection,
            by=staff["gs_admin"],
        )


def test_a_draft_cannot_be_published_without_review(staff, sx_collection):
    resource = make_resource(sx_collection)
    with pytest.raises(Conflict) as excinfo:
        services.publish(resource, by=staff["sx_admin"])
    assert excinfo.value.errors[0].code == "wrong_state"


def test_submitting_without_a_file_names_the_files_field(staff, sx_collection):
    resource = make_resource(sx_collection, files=[])
    with pytest.raises(ValidationFailed) as excinfo:
        services.submit(resource, by=staff["sx_librarian"])
    assert excinfo.value.errors[0].field == "files"


def test_review_sends_back_with_reason_and_withdrawal_needs_reason(staff, sx_collection):
    resource = make_resource(sx_collection)
    services.submit(resource, by=staff["sx_librarian"])
    with pytest.raises(ValidationFailed):
        services.return_to_draft(resource, by=staff["sx_admin"], reason=" ")
    services.return_to_draft(resource, by=staff["sx_admin"], reason="标题有误")
    services.submit(resource, by=staff["sx_librarian"])
    services.publish(resource, by=staff["sx_admin"])
    with pytest.raises(ValidationFailed):
        services.withdraw(resource, by=staff["sx_admin"], reason="")
    services.withdraw(resource, by=staff["sx_admin"], reason="版权到期")
    assert actions_on(resource)[-1] == "resources.withdraw"
    assert Resource.objects.get(pk=resource.pk).status == Resource.Status.WITHDRAWN


def test_publishing_registers_an_identifier_that_resolves_to_the_resource_page(
    staff, sx_collection, django_capture_on_commit_callbacks, client
):
    resource = make_resource(sx_collection, rights="绍兴图书馆自建资源，版权所有")
    services.submit(resource, by=staff["sx_librarian"])
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(resource, by=staff["sx_admin"])
    name = Resource.objects.get(pk=resource.pk).identifier
    assert name
    response = client.get(f"/id/{name.upper()}")
    assert response.status_code in (302, 303)
    assert response["Location"].endswith(resource.get_absolute_url())


def test_withdrawing_a_resource_leaves_a_tombstone_for_its_identifier(
    staff, sx_collection, django_capture_on_commit_callbacks, client
):
    resource = make_resource(sx_collection, rights="绍兴图书馆自建资源，版权所有")
    services.submit(resource, by=staff["sx_librarian"])
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(resource, by=staff["sx_admin"])
    resource.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        services.withdraw(resource, by=staff["sx_admin"], reason="版权到期")
    assert client.get(f"/id/{resource.identifier}").status_code == 410


def test_a_refused_identifier_leaves_a_failed_job_with_the_reason_that_staff_can_retry(
    staff, sx_collection, django_capture_on_commit_callbacks
):
    from shuxiang.core.models import Job
    from shuxiang.network import jobs

    resource = make_resource(sx_collection)  # no rights statement: not eligible (SPEC §4)
    services.submit(resource, by=staff["sx_librarian"])
    with django_capture_on_commit_callbacks(execute=True):
        services.publish(resource, by=staff["sx_admin"])
    resource.refresh_from_db()
    assert resource.status == Resource.Status.PUBLISHED and resource.identifier == ""
    job = Job.objects.get(kind="resources.register_identifier")
    assert (job.state, job.attempts, job.library_code) == ("failed", 1, "330600")
    assert "rights" in job.last_error
    Resource.objects.filter(pk=resource.pk).update(rights="绍兴图书馆自建资源，版权所有")
    with django_capture_on_commit_callbacks(execute=True):
        jobs.retry(job.pk, by=staff["sx_admin"])
    assert Job.objects.get(pk=job.pk).state == "done"
    assert Resource.objects.get(pk=resource.pk).identifier


def test_same_file_twice_in_one_library_is_a_conflict_but_another_library_may_hold_it(
    net, sx_collection, central
):
    data = png_bytes("green")
    make_resource(sx_collection, files=[upload("a.png", data)])
    with pytest.raises(Conflict) as excinfo:
        make_resource(sx_collection, files=[upload("b.png", data)])
    assert excinfo.value.errors[0].code == "duplicate"
    make_resource(central, files=[upload("c.png", data)])
    assert Resource.objects.count() == 2


def test_editing_a_published_resource_is_audited_with_the_changed_fields(staff, sx_collection):
    resource = make_resource(sx_collection)
    services.update_resource(resource, {"title": "新标题", "access": "staff"}, by=staff["sx_admin"])
    event = AuditEvent.objects.filter(action="resources.update").get()
    assert event.data["fields"] == ["access", "title"]


def test_type_cannot_change_on_update(staff, sx_collection):
    resource = make_resource(sx_collection)
    with pytest.raises(ValidationFailed) as excinfo:
        services.update_resource(resource, {"type": "audio"}, by=staff["sx_admin"])
    assert excinfo.value.errors[0].field == "type"


def test_center_distributes_a_central_resource_to_branch_libraries(staff, net, central):
    resource = make_resource(central)
    made = distribution.distribute(resource, ["330600", "620100"], by=staff["nlc_admin"])
    assert {d.library.code for d in made} == {"330600", "620100"}
    assert distribution.distribute(resource, ["330600"], by=staff["nlc_admin"]) == []


def test_independent_resources_are_not_distributed(staff, sx_collection):
    resource = make_resource(sx_collection)
    with pytest.raises(Conflict):
        distribution.distribute(resource, ["330681"], by=staff["sx_admin"])


def test_distribution_targets_must_lie_below_the_owner(staff, net, central):
    resource = make_resource(central)
    with pytest.raises(ValidationFailed) as excinfo:
        distribution.distribute(resource, ["NOPE", "NLC"], by=staff["nlc_admin"])
    assert [(e.field, e.code) for e in excinfo.value.errors] == [
        ("libraries.0", "unknown"),
        ("libraries.1", "outside"),
    ]


def test_only_an_administrator_creates_a_central_repository(staff, net):
    from shuxiang.resources.models import Collection

    with pytest.raises(PermissionDenied):
        services.create_collection(
            net["sx"], "c", "中心", kind=Collection.Kind.CENTRAL, by=staff["sx_librarian"]
        )
    made = services.create_collection(
        net["sx"], "own", "本馆资源", kind=Collection.Kind.INDEPENDENT, by=staff["sx_librarian"]
    )
    assert made.library == net["sx"]


def test_repository_code_and_name_problems_are_named_together(staff, net):
    from shuxiang.resources.models import Collection

    with pytest.raises(ValidationFailed) as excinfo:
        services.create_collection(
            net["sx"], "Bad Code", " ", kind=Collection.Kind.INDEPENDENT, by=staff["sx_admin"]
        )
    assert [e.field for e in excinfo.value.errors] == ["code", "name"]
    services.create_collection(net["sx"], "dup", "一", kind="independent", by=staff["sx_admin"])
    with pytest.raises(Conflict):
        services.create_collection(net["sx"], "dup", "二", kind="independent", by=staff["sx_admin"])
