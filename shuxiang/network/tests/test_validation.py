"""Bad input is refused with the field and the reason, and nothing is stored."""

from __future__ import annotations

import pytest

from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import Conflict, ValidationFailed
from shuxiang.network import services
from shuxiang.network.models import IPRange, Library


def create(**data):
    base = {"code": "330682", "name": "上虞图书馆", "level": "county", "parent": "330600"}
    return services.create_library({**base, **data}, by=SYSTEM)


def fields_of(exc_info) -> dict[str, str]:
    return {e.field: e.code for e in exc_info.value.errors}


@pytest.mark.parametrize("cidr", ["10.30.64.0/33", "10.30.64.1/20", "300.1.1.0/24", "10.30.64.0"])
def test_bad_cidr_is_refused_and_nothing_is_stored(net, cidr):
    before = Library.objects.count(), IPRange.objects.count()
    with pytest.raises(ValidationFailed) as exc_info:
        create(ip_ranges=[cidr])
    assert "ip_ranges[0]" in fields_of(exc_info)
    assert cidr in str(exc_info.value)
    assert (Library.objects.count(), IPRange.objects.count()) == before


def test_range_overlapping_a_sibling_is_refused_naming_the_owner(net):
    with pytest.raises(Conflict) as exc_info:
        create(ip_ranges=["10.30.56.0/21"])
    assert fields_of(exc_info) == {"ip_ranges[0]": "overlap"}
    assert "330681" in str(exc_info.value)
    assert not Library.objects.filter(code="330682").exists()


def test_range_delegated_from_the_parent_block_is_allowed(net):
    library = create(ip_ranges=["10.30.64.0/20"])
    assert list(library.ip_ranges.values_list("cidr", flat=True)) == ["10.30.64.0/20"]


def test_range_in_another_province_overlapping_is_refused(net):
    with pytest.raises(Conflict):
        services.update_library(net["lz"], {"ip_ranges": ["10.30.0.0/16"]}, by=SYSTEM)
    assert not net["lz"].ip_ranges.exists()


def test_overlapping_ranges_in_one_request_are_refused(net):
    with pytest.raises(ValidationFailed) as exc_info:
        create(ip_ranges=["10.30.64.0/20", "10.30.64.0/24"])
    assert fields_of(exc_info) == {"ip_ranges[1]": "overlap"}


def test_unknown_division_code_is_refused(net):
    with pytest.raises(ValidationFailed) as exc_info:
        create(division="339999")
    assert fields_of(exc_info) == {"division": "unknown"}
    assert "339999" in str(exc_info.value)
    assert not Library.objects.filter(code="330682").exists()


def test_division_outside_the_parent_division_is_refused(net):
    with pytest.raises(ValidationFailed) as exc_info:
        create(division="620123")
    assert fields_of(exc_info) == {"division": "outside_parent"}


def test_moving_a_library_below_its_own_descendant_is_a_cycle(net):
    before = Library.objects.get(code="330600").path
    with pytest.raises(ValidationFailed) as exc_info:
        services.update_library(net["zj"], {"parent": "330681"}, by=SYSTEM)
    assert fields_of(exc_info)["parent"] == "cycle"
    assert Library.objects.get(code="330600").path == before


def test_a_library_cannot_be_its_own_parent(net):
    with pytest.raises(ValidationFailed) as exc_info:
        services.update_library(net["sx"], {"parent": "330600"}, by=SYSTEM)
    assert fields_of(exc_info)["parent"] == "cycle"


def test_level_must_be_below_the_parent_level(net):
    with pytest.raises(ValidationFailed) as exc_info:
        create(level="provincial")
    assert fields_of(exc_info) == {"level": "hierarchy"}


def test_every_problem_is_reported_at_once(net):
    with pytest.raises(ValidationFailed) as exc_info:
        services.create_library(
            {
                "code": "bad code!",
                "level": "castle",
                "contact_email": "x@",
                "branding": {"primary_color": "red"},
            },
            by=SYSTEM,
        )
    assert set(fields_of(exc_info)) >= {
        "code",
        "name",
        "level",
        "contact_email",
        "branding.primary_color",
    }


def test_duplicate_code_is_refused(net):
    with pytest.raises(ValidationFailed) as exc_info:
        create(code="330681")
    assert fields_of(exc_info) == {"code": "duplicate"}


def test_code_cannot_be_changed(net):
    with pytest.raises(ValidationFailed) as exc_info:
        services.update_library(net["sx"], {"code": "SX"}, by=SYSTEM)
    assert fields_of(exc_info) == {"code": "unknown_field"}


def test_a_domain_serves_one_library_only(net):
    services.update_library(net["sx"], {"domains": ["sx.example.cn"]}, by=SYSTEM)
    with pytest.raises(Conflict):
        services.update_library(net["hz"], {"domains": ["SX.example.cn"]}, by=SYSTEM)
    assert not net["hz"].domains.exists()
