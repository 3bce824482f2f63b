"""The demo: a package of the demo classics and media, exported to a folder and imported into
the Zhuji county library, where its resources are published; loading again changes nothing."""

from __future__ import annotations

from shuxiang.demo.load import load_demo
from shuxiang.distribution import bagcheck
from shuxiang.distribution.models import ImportedPackage, PackageVersion
from shuxiang.resources.models import Resource


def test_demo_package_reaches_a_county_library(db, settings):
    load_demo(progress=False, say=lambda _: None)
    version = PackageVersion.objects.get(package__code="county-2026")
    held = ImportedPackage.objects.get(library__code="330681")
    assert held.version == version.number == 1
    county = Resource.objects.filter(library__code="330681", status="published")
    types = set(county.values_list("type", flat=True))
    assert {"classic", "image", "journal_issue"} <= types
    assert county.count() == version.items.count() >= 10
    drive = settings.DATA_DIR / "packages" / "drive"
    bagcheck.verify_bag(next(drive.iterdir()))
    load_demo(progress=False, say=lambda _: None)
    assert Resource.objects.filter(library__code="330681").count() == county.count()
    assert PackageVersion.objects.count() == 1
