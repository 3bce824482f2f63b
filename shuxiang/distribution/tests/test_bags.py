"""Bags of package versions: written per RFC 8493 (checked by the Library of Congress's
``bagit`` library), signed, and verified by ``verify_bag``."""

from __future__ import annotations

import shutil
from pathlib import Path

import bagit
import pytest

from shuxiang.core.actors import SYSTEM
from shuxiang.core.errors import ValidationFailed
from shuxiang.distribution import bagcheck, services
from shuxiang.resources.storage import get_storage


def test_built_and_exported_bags_validate_with_bagit(package, tmp_path):
    version = services.build_version(package, by=SYSTEM)
    assert version.state == "built" and version.file_count > 3
    exported = services.export_version(version, tmp_path, by=SYSTEM)
    for path in (version.bag_path, exported):
        bag = bagit.Bag(str(path))
        bag.validate()  # raises BagValidationError naming what is wrong
        assert bag.info["External-Identifier"] == "shuxiang:NLC:classics"
        assert bag.info["Version"] == "1"
        report = bagcheck.verify_bag(path)
        assert report.number == 1 and report.base_number is None
    rows = list(version.config.values_list("category", "count"))
    assert rows == [("期刊", 1), ("图片", 2)] or rows == [("图片", 2), ("期刊", 1)]


def test_a_changed_payload_byte_is_named(package, tmp_path):
    version = services.build_version(package, by=SYSTEM)
    bag = services.export_version(version, tmp_path, by=SYSTEM)
    victim = sorted((bag / "data" / "resources").rglob("*.png"))[0]
    data = bytearray(victim.read_bytes())
    data[-1] ^= 1
    victim.write_bytes(bytes(data))
    with pytest.raises(ValidationFailed) as caught:
        bagcheck.verify_bag(bag)
    fields = {e.field: e.code for e in caught.value.errors}
    assert fields == {victim.relative_to(bag).as_posix(): "checksum"}


def test_export_after_the_store_dropped_a_file_uses_the_built_bag(package, classics, tmp_path):
    version = services.build_version(package, by=SYSTEM)
    original = classics[0].files.get(role="original")
    get_storage().delete(original.key)  # e.g. replaced at the source since the build
    bag = services.export_version(version, tmp_path, by=SYSTEM)
    bagit.Bag(str(bag)).validate()
    (tmp_path / "again").mkdir()
    shutil.rmtree(Path(version.bag_path))
    with pytest.raises(ValidationFailed) as caught:
        services.export_version(version, tmp_path / "again", by=SYSTEM)
    assert caught.value.errors[0].code == "store_missing"
    assert list((tmp_path / "again").iterdir()) == []  # no half-written bag left
