"""Fixtures for package tests: the small network, a central collection with published
resources, and a package selecting it."""

from __future__ import annotations

import pytest

from shuxiang.core.actors import SYSTEM
from shuxiang.distribution import services
from shuxiang.resources.models import Collection
from shuxiang.resources.tests import conftest as resources_conftest
from shuxiang.resources.tests.helpers import pdf_bytes, png_bytes, published, upload

# the resources app's fixtures, shared
net = resources_conftest.net
staff = resources_conftest.staff
storage = resources_conftest.storage
s3_endpoint = resources_conftest.s3_endpoint
private_data_dir = resources_conftest.private_data_dir
tasks_run_inline = resources_conftest.tasks_run_inline
fast_passwords_and_fresh_cache = resources_conftest.fast_passwords_and_fresh_cache


@pytest.fixture
def central(net):
    return Collection.objects.create(
        library=net["nlc"], code="central", name="中心资源库", kind=Collection.Kind.CENTRAL
    )


@pytest.fixture
def classics(central):
    """Three published resources of the national centre: photos and a journal issue."""
    return [
        published(central, title="老照片一", files=[upload("a.png", png_bytes("red"))]),
        published(central, title="老照片二", files=[upload("b.png", png_bytes("blue"))]),
        published(
            central,
            type="journal_issue",
            subtype="",
            title="期刊 2014 年第 1 期",
            extra={"journal_title": "图书馆杂志", "year": 2014, "issue": "1"},
            files=[upload("issue.pdf", pdf_bytes(2))],
        ),
    ]


@pytest.fixture
def package(net, central, classics):
    return services.create_package(
        net["nlc"],
        {
            "code": "classics",
            "title": "基层图书馆资源包",
            "rule": {"collections": [central.pk]},
            "notes": {"image": "老照片资源", "journal_issue": "精品期刊"},
        },
        by=SYSTEM,
    )


node_template = resources_conftest.node_template
node = resources_conftest.node
