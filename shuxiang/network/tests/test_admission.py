"""Admission: a library applies, its parent (or an ancestor) approves or rejects with a reason."""

from __future__ import annotations

import pytest
from django.utils import translation

from shuxiang.accounts.tests.factories import admin_of, user
from shuxiang.core.errors import Conflict, PermissionDenied, ValidationFailed
from shuxiang.core.models import AuditEvent
from shuxiang.network import services
from shuxiang.network.models import Admission, Library

APPLICATION = {
    "code": "330681-FQ",
    "name": "枫桥镇图书馆",
    "level": "township",
    "parent": "330681",
    "division": "330681",
}


@pytest.fixture
def applied(net):
    return services.apply_for_admission(APPLICATION, by=user("applicant"))


def test_application_creates_an_applying_library_with_a_pending_admission(applied):
    assert applied.library.status == Library.Status.APPLYING
    assert applied.outcome == Admission.Outcome.PENDING


def test_parent_admin_approves(net, applied):
    admission = services.approve_admission(applied.library, by=admin_of(net["zhuji"]))
    assert admission.outcome == Admission.Outcome.APPROVED
    assert Library.objects.get(code="330681-FQ").status == Library.Status.ACTIVE
    assert AuditEvent.objects.filter(action="network.approve").count() == 1


def test_national_center_may_decide_any_application(net, applied):
    services.approve_admission(applied.library, by=admin_of(net["nlc"]))
    assert Library.objects.get(code="330681-FQ").status == Library.Status.ACTIVE


def test_reject_requires_a_reason_and_keeps_it(net, applied):
    admin = admin_of(net["sx"])
    with pytest.raises(ValidationFailed) as exc_info:
        services.reject_admission(applied.library, by=admin, reason="  ")
    assert exc_info.value.errors[0].field == "reason"
    admission = services.reject_admission(applied.library, by=admin, reason="不符合建设标准")
    assert admission.outcome == Admission.Outcome.REJECTED
    assert admission.reason == "不符合建设标准"
    assert Library.objects.get(code="330681-FQ").status == Library.Status.REJECTED


def test_admin_of_another_province_cannot_decide(net, applied):
    with translation.override("en"), pytest.raises(PermissionDenied) as exc_info:
        services.approve_admission(applied.library, by=admin_of(net["gs"]))
    assert "620000图书馆" in str(exc_info.value) and "outside that scope" in str(exc_info.value)
    assert Library.objects.get(code="330681-FQ").status == Library.Status.APPLYING


def test_the_applicant_library_admin_cannot_admit_itself(net, applied):
    with pytest.raises(PermissionDenied):
        services.approve_admission(applied.library, by=admin_of(applied.library))


def test_a_decided_application_cannot_be_decided_again(net, applied):
    admin = admin_of(net["zhuji"])
    services.approve_admission(applied.library, by=admin)
    with pytest.raises(Conflict):
        services.reject_admission(applied.library, by=admin, reason="changed my mind")


def test_anonymous_cannot_apply(net):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(PermissionDenied):
        services.apply_for_admission(APPLICATION, by=AnonymousUser())
    assert not Library.objects.filter(code="330681-FQ").exists()


def test_applying_under_an_applying_library_is_refused(net, applied):
    child = {**APPLICATION, "code": "330681-FQ-1", "level": "service_point", "parent": "330681-FQ"}
    with pytest.raises(ValidationFailed) as exc_info:
        services.apply_for_admission(child, by=user())
    assert exc_info.value.errors[0].field == "parent"
