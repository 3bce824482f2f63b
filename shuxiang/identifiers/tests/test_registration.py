"""Registration: prefixes, register_for_resource, the review workflow and its eligibility."""

from __future__ import annotations

import pytest

from shuxiang.accounts.tests.factories import admin_of, user
from shuxiang.core.errors import Conflict, PermissionDenied, ValidationFailed
from shuxiang.identifiers import names, services, workflow
from shuxiang.identifiers.models import Identifier
from shuxiang.identifiers.tests.factories import fingerprint, registered


def test_library_prefix_derives_from_its_division_code(net):
    identifier = registered(net["sx"])
    assert identifier.name.startswith("sx.330600/")
    assert names.has_valid_check(identifier.name)
    assert identifier.status == Identifier.Status.ACTIVE


def test_national_center_changes_a_prefix_and_old_names_persist(net):
    old = registered(net["hz"])
    services.set_prefix(net["hz"], "HZLIB", by=admin_of(net["nlc"]))
    new = registered(net["hz"])
    assert new.name.startswith("sx.hzlib/")
    assert Identifier.objects.get(pk=old.pk).name.startswith("sx.330100/")


def test_only_the_national_center_allocates_prefixes(net):
    with pytest.raises(PermissionDenied):
        services.set_prefix(net["hz"], "hz", by=admin_of(net["zj"]))


def test_a_taken_prefix_is_refused(net):
    services.set_prefix(net["hz"], "hz", by=admin_of(net["nlc"]))
    with pytest.raises(Conflict) as caught:
        services.set_prefix(net["sx"], "HZ", by=admin_of(net["nlc"]))
    assert caught.value.errors[0].field == "prefix"


def test_register_for_resource_with_the_same_fingerprint_updates_instead(net):
    first = registered(net["sx"], fingerprint=fingerprint("book"))
    again = registered(net["sx"], fingerprint=fingerprint("book"), location="https://new.example/x")
    assert again.pk == first.pk
    assert again.location == "https://new.example/x"
    assert Identifier.objects.count() == 1


def test_supplied_suffix_is_used_lower_case(net):
    identifier = registered(net["sx"], suffix="GuJi-001")
    assert identifier.name == "sx.330600/guji-001"


def test_supplied_suffix_already_taken_is_a_conflict_on_the_suffix(net):
    registered(net["sx"], suffix="guji-001")
    with pytest.raises(Conflict) as caught:
        registered(net["sx"], suffix="GUJI-001")
    assert caught.value.errors[0].field == "suffix"


def test_bad_input_names_every_bad_field_and_stores_nothing(net):
    with pytest.raises(ValidationFailed) as caught:
        services.register_for_resource(
            library=net["sx"],
            location="ftp://x",
            metadata={"creator": "x"},
            rights="",
            fingerprint="abc",
            by=admin_of(net["sx"]),
            suffix="a b",
        )
    fields = {e.field for e in caught.value.errors}
    assert fields == {"location", "metadata.title", "rights", "fingerprint", "suffix"}
    assert not Identifier.objects.exists()


def test_staff_of_another_library_cannot_register_for_it(net):
    with pytest.raises(PermissionDenied):
        registered(net["sx"], by=admin_of(net["hz"]))


def test_city_library_applies_and_the_province_approves(net, served):
    applicant = admin_of(net["sx"])
    identifier = workflow.apply(
        library=net["sx"],
        location=f"{served}/ok/guji/1",
        metadata={"title": "绍兴古籍"},
        rights="本馆所有",
        fingerprint=None,
        by=applicant,
        self_built=True,
        own_copyright=True,
    )
    assert identifier.status == Identifier.Status.PENDING
    with pytest.raises(PermissionDenied):
        workflow.approve(identifier.name, by=applicant)
    approved = workflow.approve(identifier.name.upper(), by=admin_of(net["zj"]))
    assert approved.status == Identifier.Status.ACTIVE


def test_served_url_that_answers_only_to_get_is_accepted(net, served):
    identifier = workflow.apply(
        library=net["zj"],
        location=f"{served}/nohead/x",
        metadata={"title": "浙江方志"},
        rights="本馆所有",
        fingerprint=None,
        by=admin_of(net["zj"]),
        self_built=True,
        own_copyright=True,
    )
    assert identifier.status == Identifier.Status.PENDING


def test_rejection_needs_a_reason_and_keeps_it(net, served):
    identifier = _apply(net, served)
    reviewer = admin_of(net["zj"])
    with pytest.raises(ValidationFailed):
        workflow.reject(identifier.name, by=reviewer, reason=" ")
    rejected = workflow.reject(identifier.name, by=reviewer, reason="版权不清")
    assert rejected.status == Identifier.Status.REJECTED
    assert rejected.decision_reason == "版权不清"


def test_served_url_that_does_not_answer_is_refused(net, served):
    with pytest.raises(ValidationFailed) as caught:
        _apply(net, served, location=f"{served}/gone")
    assert caught.value.errors[0].field == "location"
    assert caught.value.errors[0].code == "unreachable"
    assert not Identifier.objects.exists()


def test_unreachable_host_is_refused_within_the_timeout(net, monkeypatch):
    monkeypatch.setenv("SHUXIANG_PID_CHECK_TIMEOUT", "1")
    with pytest.raises(ValidationFailed) as caught:
        _apply(net, "http://127.0.0.1:9", location="http://127.0.0.1:9/x")
    assert caught.value.errors[0].code == "unreachable"


def test_county_libraries_and_undeclared_rights_are_not_eligible(net, served):
    with pytest.raises(ValidationFailed) as caught:
        workflow.apply(
            library=net["zhuji"],
            location=f"{served}/ok/1",
            metadata={"title": "x"},
            rights="r",
            fingerprint=None,
            by=admin_of(net["zhuji"]),
            self_built=False,
            own_copyright=False,
        )
    fields = {e.field for e in caught.value.errors}
    assert fields == {"library", "self_built", "own_copyright"}


def test_librarian_role_may_apply_but_a_reader_may_not(net, served):
    from shuxiang.accounts.models import StaffRole

    librarian = user()
    StaffRole.objects.create(user=librarian, library=net["sx"], role=StaffRole.Role.LIBRARIAN)
    assert _apply(net, served, by=librarian).status == Identifier.Status.PENDING
    with pytest.raises(PermissionDenied):
        _apply(net, served, by=user())


def _apply(net, served, *, location=None, by=None):
    return workflow.apply(
        library=net["sx"],
        location=location or f"{served}/ok/item",
        metadata={"title": "绍兴名人"},
        rights="本馆所有",
        fingerprint=None,
        by=by or admin_of(net["sx"]),
        self_built=True,
        own_copyright=True,
    )
